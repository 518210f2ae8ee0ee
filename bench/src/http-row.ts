/**
 * Shared pieces of the "same tool, directly vs through a front" bench rows (the REST proxy's and the
 * MCP gateway's): start a service of this repository as its own process, and measure one HTTP request
 * shape with autocannon, checking every response body.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One measured row. */
export interface HttpRow<Id extends string = string> {
  id: Id;
  label: string;
  connections: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Responses that were not the expected success. */
  errors: number;
  firstError?: string;
}

/** Load shape of one row. */
export interface RowLoad {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

/**
 * Starts `file` (a `src/main.ts` of this repository) with `node --import tsx`, a clean environment plus
 * `env` (`LOG_LEVEL=warn`), and resolves once `ready` answers 2xx (60 s at most).
 *
 * @example
 * ```ts
 * const p = await startServiceProcess('services/mcp-network/src/main.ts', { PORT: '8101' }, 'http://127.0.0.1:8101/readyz');
 * ```
 */
export function startServiceProcess(file: string, env: Record<string, string>, ready: string, profileDir?: string): Promise<ChildProcess> {
  const p = spawn(process.execPath, [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), '--import', 'tsx', file], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  p.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  return (async () => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (p.exitCode !== null) throw new Error(`${file} exited: ${err}`);
      if (await fetch(ready, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false)) return p;
      await new Promise((r) => setTimeout(r, 200));
    }
    p.kill('SIGKILL');
    throw new Error(`${file} not ready at ${ready}: ${err}`);
  })();
}

/**
 * Measures one POST request shape: a warm-up (unmeasured), then `durationSeconds` measured; every
 * measured response goes through `ok` (status and body), failures are counted.
 *
 * @example
 * ```ts
 * const row = await measureHttpRow('direct', 'directly', { url, headers, body }, (s) => s === 200, { connections: 1, durationSeconds: 10, warmupSeconds: 3 });
 * ```
 */
export async function measureHttpRow<Id extends string>(
  id: Id,
  label: string,
  request: { url: string; headers: Record<string, string>; body: string },
  ok: (status: number, body: string) => boolean,
  load: RowLoad,
): Promise<HttpRow<Id>> {
  let errors = 0;
  let firstError: string | undefined;
  let counting = false;
  const run = (seconds: number) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      autocannon(
        {
          url: request.url,
          connections: load.connections,
          duration: seconds,
          requests: [
            {
              method: 'POST',
              headers: request.headers,
              body: request.body,
              // Every response body is checked, not only its status.
              onResponse: (status: number, body: string) => {
                if (counting && !ok(status, body)) {
                  errors++;
                  firstError ??= `HTTP ${status}: ${body.slice(0, 300)}`;
                }
              },
            },
          ],
        },
        (err, result) => (err ? reject(err) : resolve(result)),
      );
    });
  if (load.warmupSeconds > 0) await run(load.warmupSeconds);
  counting = true;
  const result = await run(load.durationSeconds);
  errors += result.errors + result.timeouts;
  return {
    id,
    label,
    connections: load.connections,
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    errors,
    ...(firstError ? { firstError } : {}),
  };
}
