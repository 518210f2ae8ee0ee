/**
 * Path Trace (flow analysis) routes (mounted under `/dna/intent/api`), following the Intent API
 * "Path Trace" operations `initiateANewPathtrace` and `retrievesPreviousPathtrace`:
 *
 * - `POST /v1/flow-analysis` `{sourceIP, destIP, sourcePort?, destPort?, protocol?, periodicRefresh?, inclusions?, controlPath?}`
 *   → 202 `{"response": {"flowAnalysisId", "taskId", "url"}, "version"}`
 * - `GET /v1/flow-analysis/{flowAnalysisId}` → `{"response": {"request": {…, "status": "INPROGRESS"|"COMPLETED"|"FAILED",
 *   "failureReason"?}, "networkElementsInfo": [hops], "lastUpdate", "detailedStatus"}}`
 *
 * Topology of the seed: hosts are `10.<site>.<h>.x` with site 10 = SJC-01, 20 = NYC-05,
 * 30 = LON-02; h 100–149 hang off `<site>-acc-01`, 150–199 off `-acc-02`, 200–254 off
 * `-acc-03`; device management addresses are valid endpoints too. Paths go access →
 * distribution → core → border router → (WAN) → border router → core → distribution → access.
 * A path that crosses an unreachable device, or an address no device serves, fails.
 */
import { isIPv4 } from 'node:net';
import { randomUUID } from 'node:crypto';
import express, { type Router } from 'express';
import { sendError } from './api-helpers.ts';
import type { CatalystSeed, SimDevice } from './seed.ts';
import type { SimTasks } from './sim-tasks.ts';

const SITE_PREFIX: Record<string, string> = { '10': 'sjc01', '20': 'nyc05', '30': 'lon02' };

interface Hop {
  device: SimDevice;
  ingress?: string;
  egress?: string;
}

interface SimFlowAnalysis {
  id: string;
  request: Record<string, unknown>;
  createTime: number;
  doneAt: number;
  hops: Hop[];
  failureReason?: string;
}

/** Path Trace routes over `inventory`, registering tasks in `tasks`. */
export function pathTraceRoutes(inventory: CatalystSeed, tasks: SimTasks, durationMs: () => number): Router {
  const api = express.Router();
  const analyses = new Map<string, SimFlowAnalysis>();
  const byHost = (name: string) => inventory.devices.find((d) => d.hostname === name);

  /** The device an address belongs to or hangs off, and the site prefix. */
  function attach(ip: string): { device: SimDevice; site: string } | undefined {
    const own = inventory.devices.find((d) => d.managementIpAddress === ip);
    const [a, b, c] = ip.split('.');
    const site = a === '10' ? SITE_PREFIX[b ?? ''] : undefined;
    if (own) return site ? { device: own, site } : undefined;
    if (site === undefined) return undefined;
    const h = Number(c);
    const acc = h >= 100 && h < 150 ? 'acc-01' : h >= 150 && h < 200 ? 'acc-02' : h >= 200 && h < 255 ? 'acc-03' : undefined;
    const device = acc ? byHost(`${site}-${acc}`) : undefined;
    return device ? { device, site } : undefined;
  }

  function path(src: { device: SimDevice; site: string }, dst: { device: SimDevice; site: string }): SimDevice[] | string {
    const chain = (site: string) => ['dist-01', 'core-01', 'br-01'].map((r) => byHost(`${site}-${r}`));
    const up = chain(src.site);
    const down = chain(dst.site);
    if ([...up, ...down].some((d) => d === undefined)) return 'The topology between the two sites is incomplete';
    let devices: SimDevice[];
    if (src.device.id === dst.device.id) devices = [src.device];
    else if (src.site === dst.site) devices = [src.device, up[0]!, dst.device].filter((d, i, all) => all.findIndex((x) => x.id === d.id) === i);
    else devices = [src.device, ...(up as SimDevice[]), ...(down as SimDevice[]).reverse(), dst.device].filter((d, i, all) => all.findIndex((x) => x.id === d.id) === i);
    const down1 = devices.find((d) => d.reachabilityStatus !== 'Reachable');
    if (down1) return `Device ${down1.hostname} (${down1.managementIpAddress}) on the path is unreachable; the path could not be calculated`;
    return devices;
  }

  api.post('/v1/flow-analysis', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const reject = (detail: string) => sendError(res, 400, 'NCPT00001', 'Invalid input', detail);
    const sourceIP = body['sourceIP'];
    const destIP = body['destIP'];
    if (typeof sourceIP !== 'string' || !isIPv4(sourceIP)) return reject('sourceIP must be an IPv4 address');
    if (typeof destIP !== 'string' || !isIPv4(destIP)) return reject('destIP must be an IPv4 address');
    for (const port of ['sourcePort', 'destPort'] as const) {
      const v = body[port];
      if (v !== undefined && !(typeof v === 'string' && /^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535)) return reject(`${port} must be a port number 1-65535 (as a string)`);
    }
    const protocol = body['protocol'];
    if (protocol !== undefined && !(typeof protocol === 'string' && ['TCP', 'UDP'].includes(protocol.toUpperCase()))) return reject('protocol must be TCP or UDP');
    if ((body['sourcePort'] !== undefined || body['destPort'] !== undefined) && protocol === undefined) return reject('protocol is required when a port is given');

    const id = randomUUID();
    const createTime = Date.now();
    const src = attach(sourceIP);
    const dst = attach(destIP);
    let hops: SimDevice[] | string;
    if (!src) hops = `Could not locate source ${sourceIP} in the network`;
    else if (!dst) hops = `Could not locate destination ${destIP} in the network`;
    else hops = path(src, dst);
    const duration = durationMs();
    const analysis: SimFlowAnalysis = {
      id,
      createTime,
      doneAt: createTime + duration,
      request: {
        id,
        sourceIP,
        destIP,
        ...(body['sourcePort'] !== undefined ? { sourcePort: body['sourcePort'] } : {}),
        ...(body['destPort'] !== undefined ? { destPort: body['destPort'] } : {}),
        ...(protocol !== undefined ? { protocol: String(protocol).toUpperCase() } : {}),
        periodicRefresh: body['periodicRefresh'] === true,
        controlPath: body['controlPath'] === true,
        inclusions: Array.isArray(body['inclusions']) ? body['inclusions'] : [],
        createTime,
      },
      hops: typeof hops === 'string' ? [] : hops.map((device, i, all) => ({ device, ...(i > 0 ? { ingress: uplink(device, all[i - 1]!) } : {}), ...(i < all.length - 1 ? { egress: uplink(device, all[i + 1]!) } : {}) })),
      ...(typeof hops === 'string' ? { failureReason: hops } : {}),
    };
    analyses.set(id, analysis);
    const taskId = tasks.create({ serviceType: 'Path Trace Service', durationMs: duration, pendingProgress: 'Flow analysis in progress', doneProgress: id, ...(analysis.failureReason ? { failureReason: analysis.failureReason } : {}) });
    res.status(202).json({ response: { flowAnalysisId: id, taskId, url: `/api/v1/flow-analysis/${id}` }, version: '1.0' });
  });

  api.get('/v1/flow-analysis/:flowAnalysisId', (req, res) => {
    const a = analyses.get(String(req.params['flowAnalysisId']));
    if (!a) {
      sendError(res, 404, 'NCPT00004', 'Flow analysis not found', 'No flow analysis with that id');
      return;
    }
    const done = Date.now() >= a.doneAt;
    const status = !done ? 'INPROGRESS' : a.failureReason ? 'FAILED' : 'COMPLETED';
    res.json({
      response: {
        request: { ...a.request, status, lastUpdateTime: done ? a.doneAt : a.createTime, ...(done && a.failureReason ? { failureReason: a.failureReason } : {}) },
        lastUpdate: new Date(done ? a.doneAt : a.createTime).toISOString(),
        networkElementsInfo: done
          ? a.hops.map((h) => ({
              id: h.device.id,
              name: h.device.hostname,
              ip: h.device.managementIpAddress,
              role: h.device.role,
              type: h.device.type,
              linkInformationSource: h.device.role === 'ACCESS' ? 'Switched' : 'OSPF',
              ...(h.ingress ? { ingressInterface: { physicalInterface: { id: interfaceId(h.device.id, h.ingress), name: h.ingress } } } : {}),
              ...(h.egress ? { egressInterface: { physicalInterface: { id: interfaceId(h.device.id, h.egress), name: h.egress } } } : {}),
            }))
          : [],
        detailedStatus: { aclTraceCalculation: done ? 'SUCCESS' : 'INPROGRESS' },
      },
      version: '1.0',
    });
  });

  return api;
}

/** The interface of `from` that faces `to` in the seeded topology. */
function uplink(from: SimDevice, to: SimDevice): string {
  const rank: Record<string, number> = { ACCESS: 0, DISTRIBUTION: 1, CORE: 2, 'BORDER ROUTER': 3 };
  const upward = (rank[to.role] ?? 0) > (rank[from.role] ?? 0);
  if (from.role === 'BORDER ROUTER' && to.role === 'BORDER ROUTER') return 'GigabitEthernet0/0/0';
  if (from.role === 'ACCESS') return 'TenGigabitEthernet1/1/1';
  if (from.role === 'DISTRIBUTION') return upward ? 'TenGigabitEthernet1/1/1' : 'TenGigabitEthernet1/0/1';
  if (from.role === 'CORE') return upward ? 'TenGigabitEthernet1/0/48' : 'TenGigabitEthernet1/0/1';
  return 'GigabitEthernet0/0/1';
}

/** A stable interface id derived from device id and interface name (the API returns interface UUIDs). */
function interfaceId(deviceId: string, name: string): string {
  let h = 0;
  for (const ch of `${deviceId}/${name}`) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return `1f000000-0000-4000-8000-${h.toString(16).padStart(12, '0')}`;
}
