/**
 * The MCP gateway's benchmark row: the same tool (`get_device` on mcp-network, Catalyst simulator
 * upstream) called directly on mcp-network and through the gateway (`network__get_device`), same
 * load generator, same request shape (MCP 2025-11-25 JSON-RPC), in one run: at 1 connection (added
 * latency) and at `connections` (throughput), each in interleaved rounds (direct, gateway, gateway,
 * direct, …) compared round by round. Every response is checked; a row with any bad response is
 * invalid.
 *
 * The stack is real and on loopback: dev IdP, OPA server (`policies/mcp`), the Catalyst Center
 * simulator, mcp-network and the gateway each in their own process, autocannon in this one.
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

/** Goals of issue #11. */
export const GATEWAY_TARGET = { addedP50MsAtMost: 2, throughputRatioAtLeast: 0.8 } as const;

/** Options of {@link runGatewayBench}. */
export interface GatewayBenchOptions {
  /** Connections of the throughput rows. Default 16. */
  connections?: number;
  /** Measured seconds per row, split into `rounds`. Default 10. */
  durationSeconds?: number;
  /** Interleaved rounds. Default 5. */
  rounds?: number;
  /** Unmeasured seconds per row first. Default 3. */
  warmupSeconds?: number;
  /** Whether the gateway serves `tools/call` on its fast path (`GATEWAY_FAST_PATH`); `false` measures the SDK path. Default `true`. */
  fastPath?: boolean;
  /** Write a `--cpu-prof` profile of each service process here, one folder each (`mcp-gateway/`, `mcp-network/`). Default: none. */
  cpuProfileDir?: string;
  log?: (line: string) => void;
}

/** What {@link runGatewayBench} returns. */
export interface GatewayBenchReport {
  /** At 1 connection, then at `connections`. */
  levels: [FrontLevel, FrontLevel];
  /** Per round: gateway p50 minus direct p50 at 1 connection, in ms (goal ≤ 2). */
  addedP50MsAt1: Spread;
  /** Per round: gateway req/s divided by direct req/s at `connections` (goal ≥ 0.8). */
  throughputRatio: Spread;
  verdicts: { addedP50: Verdict; throughput: Verdict };
  connections: number;
  /** Which path the gateway served the calls on. */
  fastPath: boolean;
  valid: boolean;
}

/**
 * Starts the stack, measures direct and through the gateway at 1 and at `connections` connections
 * in interleaved rounds, stops everything.
 *
 * @example
 * ```ts
 * const report = await runGatewayBench({ durationSeconds: 10 });
 * console.log(report.addedP50MsAt1, report.throughputRatio);
 * ```
 */
export async function runGatewayBench(opts: GatewayBenchOptions = {}): Promise<GatewayBenchReport> {
  const connections = opts.connections ?? 16;
  const fastPath = opts.fastPath ?? true;
  const log = opts.log ?? (() => undefined);
  const [gatewayPort, networkPort] = [await freePort(), await freePort()];
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}/mcp`;
  const networkUrl = `http://127.0.0.1:${networkPort}/mcp`;
  const idp = await startIdentityProvider({
    port: 0,
    accessTokenTtlSeconds: 3_600,
    resourceServers: [...SEED_RESOURCE_SERVERS, { url: gatewayUrl, name: 'mcp-gateway (bench)', ownerClientId: 'mcp-gateway' }, { url: networkUrl, name: 'mcp-network (bench)' }],
  });
  // OPA as deployed (the built bundle, decision logs on); its log discarded as a log shipper would take it away.
  const opa = await startOpa({ bundle: POLICY_BUNDLE, decisionLogs: true, logFile: devNull });
  const sim = await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'dev-only-catalyst-password' });
  const children: ChildProcess[] = [];
  // Load generation is the thing measured, not the fair-share limits: both servers get the same generous ones.
  const unlimited = { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000', CONCURRENCY_PER_PRINCIPAL: '1024', MAX_IN_FLIGHT: '4096' };
  try {
    log('bench: starting mcp-network and mcp-gateway');
    children.push(
      await startServiceProcess('services/mcp-network/src/main.ts', { ...unlimited, PORT: String(networkPort), OIDC_ISSUER: idp.issuer, OPA_URL: opa.url, CATALYST_BASE_URL: sim.url }, `http://127.0.0.1:${networkPort}/readyz`, opts.cpuProfileDir === undefined ? undefined : join(opts.cpuProfileDir, 'mcp-network')),
    );
    children.push(
      await startServiceProcess(
        'services/mcp-gateway/src/main.ts',
        { ...unlimited, PORT: String(gatewayPort), OIDC_ISSUER: idp.issuer, OPA_URL: opa.url, GATEWAY_BACKENDS: JSON.stringify({ network: networkUrl }), GATEWAY_FAST_PATH: String(fastPath) },
        `http://127.0.0.1:${gatewayPort}/readyz`,
        opts.cpuProfileDir === undefined ? undefined : join(opts.cpuProfileDir, 'mcp-gateway'),
      ),
    );
    const args = { device_id: SEED_IDS.devices.sjc01Core01 };
    const headers = (token: string) => ({ 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': PROTOCOL_VERSION, authorization: `Bearer ${token}` });
    const body = (name: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
    const direct = { url: networkUrl, headers: headers(await idp.issueToken({ user: 'nina', audience: networkUrl, ttlSeconds: 3_600 })), body: body('get_device') };
    const viaGateway = { url: gatewayUrl, headers: headers(await idp.issueToken({ user: 'nina', audience: gatewayUrl, ttlSeconds: 3_600 })), body: body('network__get_device') };
    // CPU per request of each process on the path (the simulator and the IdP run in this process).
    const watch = () => procCpuMs({ 'mcp-gateway': children[1]?.pid, 'mcp-network': children[0]?.pid, 'simulator+IdP': process.pid });
    const plan = roundsFor(opts.durationSeconds ?? 10, opts.rounds ?? 5, opts.warmupSeconds ?? 3);
    const [one, many] = (await compareFront(direct, viaGateway, [1, connections], plan, log, watch)) as [FrontLevel, FrontLevel];
    return {
      levels: [one, many],
      addedP50MsAt1: one.addedP50Ms,
      throughputRatio: many.throughputRatio,
      verdicts: {
        addedP50: judge(one.addedP50Ms, (ms) => ms <= GATEWAY_TARGET.addedP50MsAtMost),
        throughput: judge(many.throughputRatio, (r) => r >= GATEWAY_TARGET.throughputRatioAtLeast),
      },
      connections,
      fastPath,
      valid: one.errors === 0 && many.errors === 0,
    };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.allSettled([sim.stop(), opa.stop(), idp.stop()]);
  }
}

/**
 * The rows and the verdict against {@link GATEWAY_TARGET} as text (the `pnpm bench` section).
 *
 * @example
 * ```ts
 * process.stdout.write(`${formatGatewayReport(await runGatewayBench())}\n`);
 * ```
 */
export function formatGatewayReport(report: GatewayBenchReport): string {
  const [one, many] = report.levels;
  return [
    `MCP gateway (get_device directly vs network__get_device through the gateway, ${report.fastPath ? 'fast path' : 'SDK path: GATEWAY_FAST_PATH=false'}, same stack, same run, interleaved rounds; medians [min–max] over the rounds):`,
    ...formatFrontLevel(one, 'mcp-network directly', 'through mcp-gateway'),
    ...formatFrontLevel(many, 'mcp-network directly', 'through mcp-gateway'),
    `goal (issue #11/#14): adds ≤ ${String(GATEWAY_TARGET.addedP50MsAtMost)} ms at p50 at 1 connection — ${formatVerdict(report.verdicts.addedP50)}; ` +
      `throughput ≥ ${String(GATEWAY_TARGET.throughputRatioAtLeast)}× direct at ${String(report.connections)} connections — ${formatVerdict(report.verdicts.throughput)}` +
      (report.valid ? '' : ' — INVALID: error responses'),
  ].join('\n');
}
