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
import type { ChildProcess } from 'node:child_process';
import { devNull } from 'node:os';
import { join } from 'node:path';
import { formatVerdict, judge, type Spread, type Verdict } from '@mcp-platform/bench';
import { compareFront, formatFrontLevel, startServiceProcess, type FrontLevel } from '@mcp-platform/bench/http-row';
import { procCpuMs, roundsFor } from '@mcp-platform/bench/interleave';
import { SEED_IDS, startCatalystCenterSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { SEED_RESOURCE_SERVERS, startIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { POLICY_BUNDLE } from '@mcp-platform/policies';
import { freePort, startOpa } from '@mcp-platform/test-support';

const PROTOCOL_VERSION = '2025-11-25';

/** Goal of issue #14: the proxy adds at most this much at p50 with one connection. */
export const PROXY_TARGET = { addedP50MsAtMost: 2 } as const;

/** Options of {@link runProxyBench}. */
export interface ProxyBenchOptions {
  /** Connections of the throughput level. Default 16. */
  connections?: number;
  /** Measured seconds per row, split into `rounds`. Default 10. */
  durationSeconds?: number;
  /** Interleaved rounds. Default 5. */
  rounds?: number;
  /** Unmeasured seconds per row first. Default 3. */
  warmupSeconds?: number;
  /** Write a `--cpu-prof` profile of each service process here, one folder each (`rest-proxy/`, `mcp-network/`). Default: none. */
  cpuProfileDir?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** What {@link runProxyBench} returns. */
export interface ProxyBenchReport {
  /** At 1 connection, then at `connections`. */
  levels: [FrontLevel, FrontLevel];
  /** Per round: proxy p50 minus direct p50 at 1 connection, in ms (goal ≤ 2). */
  addedP50MsAt1: Spread;
  /** Per round: proxy p50 minus direct p50 at `connections`, in ms. */
  addedP50MsAtN: Spread;
  /** Per round: proxy req/s divided by direct req/s at `connections`. */
  throughputRatio: Spread;
  verdict: Verdict;
  connections: number;
  valid: boolean;
}

/**
 * Starts the stack, measures direct and through the proxy at 1 and at `connections` connections in
 * interleaved rounds, stops everything.
 *
 * @example
 * ```ts
 * const report = await runProxyBench({ durationSeconds: 10 });
 * console.log(report.addedP50MsAt1.median, report.throughputRatio.median);
 * ```
 */
export async function runProxyBench(opts: ProxyBenchOptions = {}): Promise<ProxyBenchReport> {
  const connections = opts.connections ?? 16;
  const log = opts.log ?? (() => undefined);
  const [proxyPort, networkPort] = [await freePort(), await freePort()];
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const networkUrl = `http://127.0.0.1:${networkPort}/mcp`;
  const idp = await startIdentityProvider({
    port: 0,
    accessTokenTtlSeconds: 3_600,
    resourceServers: [...SEED_RESOURCE_SERVERS, { url: proxyUrl, name: 'rest-proxy (bench)', ownerClientId: 'rest-proxy' }, { url: networkUrl, name: 'mcp-network (bench)' }],
  });
  // OPA as deployed (the built bundle, decision logs on); its log discarded as a log shipper would take it away.
  const opa = await startOpa({ bundle: POLICY_BUNDLE, decisionLogs: true, logFile: devNull });
  const sim = await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'dev-only-catalyst-password' });
  const children: ChildProcess[] = [];
  try {
    log('bench: starting mcp-network and rest-proxy');
    children.push(
      // One user on purpose (a throughput row): per-principal limits raised out of reach, the same variables for the proxy.
      await startServiceProcess(
        'services/mcp-network/src/main.ts',
        { PORT: String(networkPort), OIDC_ISSUER: idp.issuer, OPA_URL: opa.url, CATALYST_BASE_URL: sim.url, RATE_LIMIT_PER_SECOND: '10000000', CONCURRENCY_PER_PRINCIPAL: '100000', MAX_IN_FLIGHT: '100000' },
        `http://127.0.0.1:${networkPort}/readyz`, opts.cpuProfileDir === undefined ? undefined : join(opts.cpuProfileDir, 'mcp-network'),
      ),
    );
    children.push(
      await startServiceProcess(
        'services/rest-proxy/src/main.ts',
        { PORT: String(proxyPort), OIDC_ISSUER: idp.issuer, OPA_URL: opa.url, PROXY_BACKENDS: JSON.stringify({ network: networkUrl }), RATE_LIMIT_PER_SECOND: '10000000', CONCURRENCY_PER_PRINCIPAL: '100000', MAX_IN_FLIGHT: '100000' },
        `${proxyUrl}/readyz`,
        opts.cpuProfileDir === undefined ? undefined : join(opts.cpuProfileDir, 'rest-proxy'),
      ),
    );
    const args = { device_id: SEED_IDS.devices.sjc01Core01 };
    const direct = {
      url: networkUrl,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': PROTOCOL_VERSION,
        authorization: `Bearer ${await idp.issueToken({ user: 'nina', audience: networkUrl, ttlSeconds: 3_600 })}`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_device', arguments: args } }),
    };
    const viaProxy = {
      url: `${proxyUrl}/api/v1/mcp/network/tools/get_device`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await idp.issueToken({ user: 'nina', audience: proxyUrl, ttlSeconds: 3_600 })}` },
      body: JSON.stringify({ arguments: args }),
      expect: 'rest-ok' as const,
    };
    // CPU per request of each process on the path (the simulator and the IdP run in this process).
    const watch = () => procCpuMs({ 'rest-proxy': children[1]?.pid, 'mcp-network': children[0]?.pid, 'simulator+IdP': process.pid });
    const plan = roundsFor(opts.durationSeconds ?? 10, opts.rounds ?? 5, opts.warmupSeconds ?? 3);
    const [one, many] = (await compareFront(direct, viaProxy, [1, connections], plan, log, watch)) as [FrontLevel, FrontLevel];
    return {
      levels: [one, many],
      addedP50MsAt1: one.addedP50Ms,
      addedP50MsAtN: many.addedP50Ms,
      throughputRatio: many.throughputRatio,
      verdict: judge(one.addedP50Ms, (ms) => ms <= PROXY_TARGET.addedP50MsAtMost),
      connections,
      valid: one.errors === 0 && many.errors === 0,
    };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.allSettled([sim.stop(), opa.stop(), idp.stop()]);
  }
}

/**
 * The rows and the verdict against {@link PROXY_TARGET} as text (the `pnpm bench` section).
 *
 * @example
 * ```ts
 * process.stdout.write(`${formatProxyReport(await runProxyBench())}\n`);
 * ```
 */
export function formatProxyReport(report: ProxyBenchReport): string {
  const [one, many] = report.levels;
  return [
    'REST proxy (get_device directly over MCP vs through the proxy, same stack, same run, interleaved rounds; medians [min–max] over the rounds):',
    ...formatFrontLevel(one, 'mcp-network directly (MCP)', 'through rest-proxy (REST)'),
    ...formatFrontLevel(many, 'mcp-network directly (MCP)', 'through rest-proxy (REST)'),
    `goal (issue #14): adds ≤ ${String(PROXY_TARGET.addedP50MsAtMost)} ms at p50 at 1 connection — ${formatVerdict(report.verdict)}${report.valid ? '' : ' — INVALID: error responses'}`,
  ].join('\n');
}
