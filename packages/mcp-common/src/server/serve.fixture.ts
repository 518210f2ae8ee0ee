// Test fixture (not exported): the spine's server tests serve an MCP app whose public URL — the
// token audience — must be known before the app is built, i.e. before it listens.
import type { AuthInfo, OAuthTokenVerifier } from '@modelcontextprotocol/server';
import { OAuthError, OAuthErrorCode } from '@modelcontextprotocol/server';
import express from 'express';
import type { Logger } from '../logging/types.ts';
import { createMcpApp, type McpApp, type McpAppOptions } from './app.ts';
import { listen, type HttpLimits, type RunningServer } from './listen.ts';

/** A served test app: its MCP endpoint URL, the running server (close it after the suite) and the app. */
export interface ServedMcpApp {
  url: string;
  running: RunningServer;
  mcp: McpApp;
}

/**
 * Finds a free loopback port, builds the app with `http://127.0.0.1:<port>/mcp` as its public URL
 * and serves it there (closing the app after the server drained).
 *
 * @example
 * ```ts
 * const { url, running } = await serveMcpApp(logger, (publicUrl) => ({ service, serverId: 'test', publicUrl, tools, deps, logger, verifier, issuer, authorizer, upstreamName: 'T' }));
 * ```
 */
export async function serveMcpApp<D>(logger: Logger, build: (publicUrl: string) => McpAppOptions<D>, http?: HttpLimits): Promise<ServedMcpApp> {
  const probe = await listen(express(), { host: '127.0.0.1', port: 0, logger });
  const port = probe.port;
  await probe.close();
  const url = `http://127.0.0.1:${String(port)}/mcp`;
  const mcp = createMcpApp(build(url));
  const running = await listen(mcp.app, { host: '127.0.0.1', port, logger, onClose: [() => mcp.close()], ...(http ? { http } : {}) });
  return { url, running, mcp };
}

/**
 * A token verifier double for the spine's server tests: `principalOf(token)` names the caller
 * (`undefined`: the token is invalid, answered as the SDK's `invalid_token`); every accepted token
 * carries `mcp:tools` and ten minutes of life.
 *
 * @example
 * ```ts
 * const verifier = stubVerifier((token) => ({ 'token-reader': { id: 'rita', groups: ['readers'] } })[token]);
 * ```
 */
export function stubVerifier(principalOf: (token: string) => { id: string; groups: string[] } | undefined, clientId = 'test-client'): OAuthTokenVerifier & { ready(): Promise<boolean> } {
  return {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      const user = principalOf(token);
      if (!user) throw new OAuthError(OAuthErrorCode.InvalidToken, 'invalid token');
      return {
        token,
        clientId,
        scopes: ['mcp:tools'],
        expiresAt: Math.floor(Date.now() / 1000) + 600,
        extra: { principal: { id: user.id, groups: user.groups, scopes: ['mcp:tools'], clientId } },
      };
    },
    ready: async () => true,
  };
}
