import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** One platform service running as its own process (`node --import tsx services/<name>/src/main.ts`), as under `pnpm start`. */
export interface ServiceProcess {
  name: string;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Its ECS lines, parsed, in order. */
  logs: Record<string, unknown>[];
  /** Everything it wrote, raw (for "no secret anywhere" checks). */
  rawLogs(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A service process with a clean environment (`PATH`, `HOME`, then `env`, `PORT`): ambient variables
 * must not configure the service under test. `start()` resolves once `readyPath` answers 2xx; when it does not
 * within `startTimeoutMs` (default 60 s), the process is stopped and `start()` rejects.
 *
 * @example
 * ```ts
 * const network = serviceProcess('mcp-network', port, { OIDC_ISSUER: issuer, OPA_URL: opa.url });
 * await network.start();
 * ```
 */
export function serviceProcess(name: string, port: number, env: Record<string, string>, options: { readyPath?: string; startTimeoutMs?: number } = {}): ServiceProcess {
  const logs: Record<string, unknown>[] = [];
  let raw = '';
  let child: ChildProcess | undefined;
  const url = `http://127.0.0.1:${String(port)}`;
  const stop = async (): Promise<void> => {
    const p = child;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    name,
    url,
    port,
    logs,
    rawLogs: () => raw,
    async start() {
      const p = spawn(process.execPath, ['--import', 'tsx', `services/${name}/src/main.ts`], {
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', LOG_LEVEL: 'info', ...env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = p;
      let pending = '';
      p.stdout?.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        raw += text;
        pending += text;
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
      p.stderr?.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
      while (Date.now() < deadline) {
        if (p.exitCode !== null) throw new Error(`${name} exited (${String(p.exitCode)}): ${raw.slice(-2_000)}`);
        const ok = await fetch(`${url}${options.readyPath ?? '/readyz'}`, { signal: AbortSignal.timeout(1_000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      // Not ready in time: the process is stopped before the failure is reported, so nothing outlives it.
      await stop();
      throw new Error(`${name} did not become ready: ${raw.slice(-2_000)}`);
    },
    stop,
  };
}
