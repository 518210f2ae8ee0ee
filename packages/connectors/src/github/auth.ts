import { createHash } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import type { Octokit } from '@octokit/core';
import type { GitHubCredentials } from './types.ts';

type AppAuth = ReturnType<typeof createAppAuth>;
type RequestInterface = Octokit['request'];
type Route = Parameters<RequestInterface>[0];
type RequestParameters = NonNullable<Parameters<RequestInterface>[1]>;

/** Options Octokit hands an `authStrategy`, plus ours. */
interface LazyAuthOptions {
  credentials: () => Promise<GitHubCredentials>;
  request: RequestInterface;
}

/**
 * An Octokit `authStrategy` that reads the credentials on every request (the secret provider
 * caches them), so a rotated secret is picked up without a restart. A token is sent as
 * `Authorization: token <pat>`; GitHub App credentials go through `@octokit/auth-app`, which
 * mints installation tokens (cached until shortly before they expire) with the client's own
 * `request` — so a GitHub Enterprise Server base URL applies to token minting too.
 *
 * @example
 * ```ts
 * new Octokit({ authStrategy: createLazyAuth, auth: { credentials: () => secrets.get('github') } });
 * ```
 */
export function createLazyAuth(options: LazyAuthOptions) {
  let app: { key: string; auth: AppAuth } | undefined;

  const appAuthFor = (c: Extract<GitHubCredentials, { appId: unknown }>): AppAuth => {
    const key = createHash('sha256').update(`${String(c.appId)}\0${String(c.installationId)}\0${c.privateKey}`).digest('hex');
    if (app?.key !== key) app = { key, auth: createAppAuth({ appId: c.appId, privateKey: c.privateKey, installationId: c.installationId, request: options.request }) };
    return app.auth;
  };

  const read = async (): Promise<GitHubCredentials> => {
    const c = await options.credentials();
    if ('token' in c) {
      if (typeof c.token !== 'string' || c.token === '') throw new TypeError('GitHub credentials: token must be a non-empty string');
      return c;
    }
    if (!c.appId || !c.privateKey || !c.installationId) throw new TypeError('GitHub credentials: need a token, or appId, privateKey and installationId');
    return c;
  };

  const auth = async (): Promise<{ type: 'token'; token: string }> => {
    const c = await read();
    if ('token' in c) return { type: 'token', token: c.token };
    const installation = await appAuthFor(c)({ type: 'installation' });
    return { type: 'token', token: installation.token };
  };

  const hook = async (request: RequestInterface, route: Route, parameters?: RequestParameters) => {
    const c = await read();
    if (!('token' in c)) return appAuthFor(c).hook(request, route as string, parameters);
    const endpoint = request.endpoint.merge(route as string, parameters ?? {});
    endpoint.headers['authorization'] = `token ${c.token}`;
    // `merge` of a route always yields a url.
    return request({ ...endpoint, url: endpoint.url ?? '' });
  };

  return Object.assign(auth, { hook });
}
