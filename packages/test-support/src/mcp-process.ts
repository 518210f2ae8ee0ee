import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** One MCP server running as its own process (`node --import tsx services/<name>/src/main.ts`), as in `pnpm start`. */
export interface McpProcess {
  name: string;
  url: string;
  port: number;
  /** Its ECS lines, parsed. */
  logs: Record<string, unknown>[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One MCP server of this repository as its own process (`node --import tsx services/<name>/src/main.ts`),
 * as under `pnpm start`, with a clean environment plus `env`; `start()` resolves once `/readyz` answers 200,
 * `stop()` sends SIGTERM (SIGKILL after 5 s). Can be started again after a stop (kill-and-restart tests).
 *
 * @example
 * ```ts
 * const itsm = startMcpProcess('mcp-itsm', await freePort(), { OIDC_ISSUER: idp.issuer, OPA_URL: opa.url });
 * await itsm.start();
 * ```
 */
export function startMcpProcess(name: string, port: number, env: Record<string, string>): McpProcess {
  const logs: Record<string, unknown>[] = [];
  let child: ChildProcess | undefined;
  const url = `http://127.0.0.1:${port}/mcp`;
  const proc: McpProcess = {
    name,
    url,
    port,
    logs,
    async start() {
      const p = spawn(process.execPath, ['--import', 'tsx', `services/${name}/src/main.ts`], {
        cwd: ROOT,
        // A clean environment: ambient variables (e.g. an unrelated *_FILE) must not configure the server under test.
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env, PORT: String(port), LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = p;
      let pending = '';
      let errText = '';
      p.stdout?.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        let i: number;
        while ((i = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, i);
          pending = pending.slice(i + 1);
          try {
            logs.push(JSON.parse(line) as Record<string, unknown>);
          } catch {
            // not an ECS line
          }
        }
      });
      p.stderr?.on('data', (chunk: Buffer) => (errText += chunk.toString('utf8')));
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        if (p.exitCode !== null) throw new Error(`${name} exited (${p.exitCode}): ${errText}`);
        const ok = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${name} did not become ready: ${errText}`);
    },
    async stop() {
      const p = child;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise((resolve) => p.once('exit', resolve));
      p.kill('SIGTERM');
      const timer = setTimeout(() => p.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return proc;
}

