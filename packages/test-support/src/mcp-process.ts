import { serviceProcess, type ServiceProcess } from './service-process.ts';

/** One MCP server running as its own process (`node --import tsx services/<name>/src/main.ts`), as in `pnpm start`. */
export interface McpProcess extends ServiceProcess {
  /** `http://127.0.0.1:<port>/mcp`: its MCP endpoint. */
  url: string;
}

/**
 * One MCP server of this repository as its own process: {@link serviceProcess} (clean environment
 * plus `env`, `LOG_LEVEL=info`; `start()` resolves once `/readyz` answers 2xx, within 120 s;
 * `stop()` sends SIGTERM, SIGKILL after 5 s) whose `url` is the MCP endpoint. Can be started again
 * after a stop (kill-and-restart tests).
 *
 * @example
 * ```ts
 * const itsm = startMcpProcess('mcp-itsm', await freePort(), { OIDC_ISSUER: idp.issuer, OPA_URL: opa.url });
 * await itsm.start();
 * ```
 */
export function startMcpProcess(name: string, port: number, env: Record<string, string>): McpProcess {
  const service = serviceProcess(name, port, { ...env, LOG_LEVEL: 'info' }, { startTimeoutMs: 120_000 });
  return { ...service, url: `${service.url}/mcp` };
}
