/**
 * The REST proxy's benchmark row: the same tool (`get_device` on mcp-network,
 * Catalyst simulator upstream) called directly over MCP and through the proxy,
 * same load generator, connections and duration, in one run. Every response is
 * checked; a row with any bad response is invalid.
 *
 * The stack is real and on loopback: dev IdP, OPA server (`policies/mcp`),
 * the Catalyst Center simulator, mcp-network and the proxy each in their own
 * process (`node --import tsx …/main.ts`), autocannon in this one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { SEED_IDS, startCatalystCenterSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { SEED_RESOURCE_SERVERS, startIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { freePort, POLICY_DIR, startOpa } from '@mcp-platform/test-support';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROTOCOL_VERSION = '2025-11-25';

/** Options of {@link runProxyBench}. */
export interface ProxyBenchOptions {
  /** Concurrent connections. Default 16. */
  connections?: number;
  /** Measured seconds per row. Default 10. */
  durationSeconds?: number;
  /** Unmeasured seconds per row first. Default 3. */
  warmupSeconds?: number;
  /** Write a `--cpu-prof` profile of the proxy process here. Default: none. */
  cpuProfileDir?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** One measured row. */
export interface ProxyBenchRow {
  id: 'mcp-direct' | 'rest-proxy';
  label: string;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Responses that were not the expected success. */
  errors: number;
  firstError?: string;
}

/** What {@link runProxyBench} returns. */
export interface ProxyBenchReport {
  rows: [ProxyBenchRow, ProxyBenchRow];
  /** Proxy p50 minus direct p50, in ms (target ≤ 1). */
  addedP50Ms: number;
  addedP99Ms: number;
  /** Proxy req/s divided by direct req/s. */
  throughputRatio: number;
  valid: boolean;
}

function startProcess(file: string, env: Record<string, string>, ready: string, profileDir?: string): Promise<ChildProcess> {
  const p = spawn(process.execPath, [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), '--import', 'tsx', file], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
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

async function measure(
  id: ProxyBenchRow['id'],
  label: string,
  request: { url: string; headers: Record<string, string>; body: string },
  ok: (status: number, body: string) => boolean,
  options: { connections: number; durationSeconds: number; warmupSeconds: number },
): Promise<ProxyBenchRow> {
  let errors = 0;
  let firstError: string | undefined;
  let counting = false;
  const run = (seconds: number) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      autocannon(
        {
          url: request.url,
          connections: options.connections,
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
  if (options.warmupSeconds > 0) await run(options.warmupSeconds);
  counting = true;
  const result = await run(options.durationSeconds);
  errors += result.errors + result.timeouts;
  return {
    id,
    label,
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    errors,
    ...(firstError ? { firstError } : {}),
  };
}

/**
 * Starts the stack, measures both rows, stops everything.
 *
 * @example
 * ```ts
 * const report = await runProxyBench({ durationSeconds: 10 });
 * console.log(report.addedP50Ms, report.throughputRatio);
 * ```
 */
export async function runProxyBench(opts: ProxyBenchOptions = {}): Promise<ProxyBenchReport> {
  const options = { connections: opts.connections ?? 16, durationSeconds: opts.durationSeconds ?? 10, warmupSeconds: opts.warmupSeconds ?? 3 };
  const log = opts.log ?? (() => undefined);
  const [proxyPort, networkPort] = [await freePort(), await freePort()];
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const networkUrl = `http://127.0.0.1:${networkPort}/mcp`;
  const idp = await startIdentityProvider({
    port: 0,
    accessTokenTtlSeconds: 3_600,
    resourceServers: [...SEED_RESOURCE_SERVERS, { url: proxyUrl, name: 'rest-proxy (bench)', ownerClientId: 'rest-proxy' }, { url: networkUrl, name: 'mcp-network (bench)' }],
  });
  const opa = await startOpa({ policyDir: POLICY_DIR });
  const sim = await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'dev-only-catalyst-password' });
  const children: ChildProcess[] = [];
  try {
    log('bench: starting mcp-network and rest-proxy');
    children.push(
      // One user on purpose (a throughput row): per-principal limits raised out of reach, the same variables for the proxy.
      await startProcess(
        'services/mcp-network/src/main.ts',
        { PORT: String(networkPort), OIDC_ISSUER: idp.issuer, OPA_URL: opa.url, CATALYST_BASE_URL: sim.url, RATE_LIMIT_PER_SECOND: '10000000', CONCURRENCY_PER_PRINCIPAL: '100000', MAX_IN_FLIGHT: '100000' },
        `http://127.0.0.1:${networkPort}/readyz`,
      ),
    );
    children.push(
      await startProcess(
        'services/rest-proxy/src/main.ts',
        { PORT: String(proxyPort), OIDC_ISSUER: idp.issuer, OPA_URL: opa.url, PROXY_BACKENDS: JSON.stringify({ network: networkUrl }), RATE_LIMIT_PER_SECOND: '10000000', CONCURRENCY_PER_PRINCIPAL: '100000', MAX_IN_FLIGHT: '100000' },
        `${proxyUrl}/readyz`,
        opts.cpuProfileDir,
      ),
    );
    const args = { device_id: SEED_IDS.devices.sjc01Core01 };
    const direct = await measure(
      'mcp-direct',
      'mcp-network directly (MCP, get_device)',
      {
        url: networkUrl,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': PROTOCOL_VERSION,
          authorization: `Bearer ${await idp.issueToken({ user: 'nina', audience: networkUrl, ttlSeconds: 3_600 })}`,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_device', arguments: args } }),
      },
      (status, body) => status === 200 && body.includes('"structuredContent"') && !body.includes('"isError":true'),
      options,
    );
    log(`bench: direct p50 ${direct.latencyMs.p50} ms, ${direct.requestsPerSecond.toFixed(0)} req/s`);
    const proxied = await measure(
      'rest-proxy',
      'through rest-proxy (REST, token exchange cached)',
      {
        url: `${proxyUrl}/api/v1/mcp/network/tools/get_device`,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await idp.issueToken({ user: 'nina', audience: proxyUrl, ttlSeconds: 3_600 })}` },
        body: JSON.stringify({ arguments: args }),
      },
      (status, body) => status === 200 && body.startsWith('{"status":"ok"'),
      options,
    );
    log(`bench: proxy p50 ${proxied.latencyMs.p50} ms, ${proxied.requestsPerSecond.toFixed(0)} req/s`);
    return {
      rows: [direct, proxied],
      addedP50Ms: proxied.latencyMs.p50 - direct.latencyMs.p50,
      addedP99Ms: proxied.latencyMs.p99 - direct.latencyMs.p99,
      throughputRatio: proxied.requestsPerSecond / direct.requestsPerSecond,
      valid: direct.errors === 0 && proxied.errors === 0,
    };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.allSettled([sim.stop(), opa.stop(), idp.stop()]);
  }
}
