/**
 * The MCP gateway's benchmark row: the same tool (`get_device` on mcp-network, Catalyst simulator
 * upstream) called directly on mcp-network and through the gateway (`network__get_device`), same
 * load generator, same request shape (MCP 2025-11-25 JSON-RPC), in one run: at 1 connection (added
 * latency) and at `connections` (throughput). Every response is checked; a row with any bad response
 * is invalid.
 *
 * The stack is real and on loopback: dev IdP, OPA server (`policies/mcp`), the Catalyst Center
 * simulator, mcp-network and the gateway each in their own process, autocannon in this one.
 */
import type { ChildProcess } from 'node:child_process';
import { measureHttpRow, startServiceProcess, type HttpRow, type RowLoad } from '@mcp-platform/bench/http-row';
import { SEED_IDS, startCatalystCenterSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { SEED_RESOURCE_SERVERS, startIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { freePort, POLICY_DIR, startOpa } from '@mcp-platform/test-support';

const PROTOCOL_VERSION = '2025-11-25';

/** Goals of issue #11. */
export const GATEWAY_TARGET = { addedP50MsAtMost: 2, throughputRatioAtLeast: 0.8 } as const;

/** Options of {@link runGatewayBench}. */
export interface GatewayBenchOptions {
  /** Connections of the throughput rows. Default 16. */
  connections?: number;
  /** Measured seconds per row. Default 10. */
  durationSeconds?: number;
  /** Unmeasured seconds per row first. Default 3. */
  warmupSeconds?: number;
  /** Write a `--cpu-prof` profile of the gateway process here. Default: none. */
  cpuProfileDir?: string;
  log?: (line: string) => void;
}

type RowId = 'direct-1' | 'gateway-1' | 'direct-n' | 'gateway-n';

/** What {@link runGatewayBench} returns. */
export interface GatewayBenchReport {
  rows: HttpRow<RowId>[];
  /** Gateway p50 minus direct p50 at 1 connection, in ms (goal ≤ 2). */
  addedP50MsAt1: number;
  /** Gateway req/s divided by direct req/s at `connections` (goal ≥ 0.8). */
  throughputRatio: number;
  connections: number;
  valid: boolean;
}

/**
 * Starts the stack, measures the four rows, stops everything.
 *
 * @example
 * ```ts
 * const report = await runGatewayBench({ durationSeconds: 10 });
 * console.log(report.addedP50MsAt1, report.throughputRatio);
 * ```
 */
export async function runGatewayBench(opts: GatewayBenchOptions = {}): Promise<GatewayBenchReport> {
  const connections = opts.connections ?? 16;
  const base = { durationSeconds: opts.durationSeconds ?? 10, warmupSeconds: opts.warmupSeconds ?? 3 };
  const log = opts.log ?? (() => undefined);
  const [gatewayPort, networkPort] = [await freePort(), await freePort()];
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}/mcp`;
  const networkUrl = `http://127.0.0.1:${networkPort}/mcp`;
  const idp = await startIdentityProvider({
    port: 0,
    accessTokenTtlSeconds: 3_600,
    resourceServers: [...SEED_RESOURCE_SERVERS, { url: gatewayUrl, name: 'mcp-gateway (bench)', ownerClientId: 'mcp-gateway' }, { url: networkUrl, name: 'mcp-network (bench)' }],
  });
  const opa = await startOpa({ policyDir: POLICY_DIR });
  const sim = await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'dev-only-catalyst-password' });
  const children: ChildProcess[] = [];
  // Load generation is the thing measured, not the fair-share limits: both servers get the same generous ones.
  const unlimited = { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000', CONCURRENCY_PER_PRINCIPAL: '1024', MAX_IN_FLIGHT: '4096' };
  try {
    log('bench: starting mcp-network and mcp-gateway');
    children.push(
      await startServiceProcess('services/mcp-network/src/main.ts', { ...unlimited, PORT: String(networkPort), OIDC_ISSUER: idp.issuer, OPA_URL: opa.url, CATALYST_BASE_URL: sim.url }, `http://127.0.0.1:${networkPort}/readyz`),
    );
    children.push(
      await startServiceProcess(
        'services/mcp-gateway/src/main.ts',
        { ...unlimited, PORT: String(gatewayPort), OIDC_ISSUER: idp.issuer, OPA_URL: opa.url, GATEWAY_BACKENDS: JSON.stringify({ network: networkUrl }) },
        `http://127.0.0.1:${gatewayPort}/readyz`,
        opts.cpuProfileDir,
      ),
    );
    const args = { device_id: SEED_IDS.devices.sjc01Core01 };
    const headers = (token: string) => ({ 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': PROTOCOL_VERSION, authorization: `Bearer ${token}` });
    const body = (name: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
    const ok = (status: number, text: string) => status === 200 && text.includes('"structuredContent"') && !text.includes('"isError":true');
    const direct = { url: networkUrl, headers: headers(await idp.issueToken({ user: 'nina', audience: networkUrl, ttlSeconds: 3_600 })), body: body('get_device') };
    const viaGateway = { url: gatewayUrl, headers: headers(await idp.issueToken({ user: 'nina', audience: gatewayUrl, ttlSeconds: 3_600 })), body: body('network__get_device') };
    const rows: HttpRow<RowId>[] = [];
    for (const [id, label, request, load] of [
      ['direct-1', 'mcp-network directly, 1 connection', direct, { ...base, connections: 1 }],
      ['gateway-1', 'through mcp-gateway, 1 connection', viaGateway, { ...base, connections: 1 }],
      ['direct-n', `mcp-network directly, ${connections} connections`, direct, { ...base, connections }],
      ['gateway-n', `through mcp-gateway, ${connections} connections`, viaGateway, { ...base, connections }],
    ] as [RowId, string, typeof direct, RowLoad][]) {
      const row = await measureHttpRow(id, label, request, ok, load);
      log(`bench: ${label}: p50 ${row.latencyMs.p50} ms, ${row.requestsPerSecond.toFixed(0)} req/s, errors ${row.errors}`);
      rows.push(row);
    }
    const [d1, g1, dn, gn] = rows as [HttpRow<RowId>, HttpRow<RowId>, HttpRow<RowId>, HttpRow<RowId>];
    return {
      rows,
      addedP50MsAt1: g1.latencyMs.p50 - d1.latencyMs.p50,
      throughputRatio: gn.requestsPerSecond / dn.requestsPerSecond,
      connections,
      valid: rows.every((r) => r.errors === 0),
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
  const line = (r: HttpRow<RowId>) =>
    `${r.label.padEnd(44)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${r.latencyMs.p50.toFixed(1).padStart(6)} ms  p99 ${r.latencyMs.p99.toFixed(1).padStart(6)} ms  errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}`;
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  return [
    'MCP gateway (get_device directly vs network__get_device through the gateway, same stack, same run):',
    ...report.rows.map(line),
    `gateway adds ${report.addedP50MsAt1.toFixed(2)} ms at p50 at 1 connection (goal issue #11: ≤ ${String(GATEWAY_TARGET.addedP50MsAtMost)} ms — ${met(report.addedP50MsAt1 <= GATEWAY_TARGET.addedP50MsAtMost)}); ` +
      `throughput ${report.throughputRatio.toFixed(2)}× direct at ${String(report.connections)} connections (goal ≥ ${String(GATEWAY_TARGET.throughputRatioAtLeast)} — ${met(report.throughputRatio >= GATEWAY_TARGET.throughputRatioAtLeast)})` +
      (report.valid ? '' : ' — INVALID: error responses'),
  ].join('\n');
}
