/**
 * Assurance and Configuration Archive routes of the simulator (mounted under `/dna/intent/api`):
 *
 * - `GET /v1/network-health`, `GET /v1/site-health`, `GET /v1/device-health`, `GET /v1/client-health`
 * - `GET /v1/issues`, `GET /v1/issue-enrichment-details` (headers `entity_type`, `entity_value`)
 * - `GET /v1/networkDeviceConfigFiles`, `POST /v1/networkDeviceConfigFiles/{id}/downloadMasked`
 *
 * Paths, query parameters and field names follow the Intent API reference (Cisco Catalyst
 * Center 2.3.7, "Devices", "Sites", "Topology", "Clients", "Issues", "Configuration Archive"),
 * including Cisco's own spellings (`cpuUlitilization`, `healthDistirubution`,
 * `issue_occurence_count`).
 */
import express, { type Request, type Response, type Router } from 'express';
import { SEED_TIME, type AnalysisSeed, type SimDeviceHealth } from './analysis-seed.ts';
import { paging, queryValues, sendError } from './api-helpers.ts';
import type { CatalystSeed, SimDevice, SimSite } from './seed.ts';

/** Assurance's device categories (`deviceRole` of device-health; rows of network-health). */
export function assuranceRole(d: SimDevice): 'ACCESS' | 'DISTRIBUTION' | 'CORE' | 'ROUTER' | 'WLC' {
  if (d.family === 'Wireless Controller') return 'WLC';
  if (d.role === 'BORDER ROUTER') return 'ROUTER';
  if (d.role === 'CORE' || d.role === 'DISTRIBUTION') return d.role;
  return 'ACCESS';
}

const category = (score: number): 'GOOD' | 'FAIR' | 'POOR' => (score >= 8 ? 'GOOD' : score >= 4 ? 'FAIR' : 'POOR');

interface Counts {
  total: number;
  good: number;
  fair: number;
  bad: number;
}

function count(scores: number[]): Counts {
  return {
    total: scores.length,
    good: scores.filter((s) => category(s) === 'GOOD').length,
    fair: scores.filter((s) => category(s) === 'FAIR').length,
    bad: scores.filter((s) => category(s) === 'POOR').length,
  };
}

const percent = (part: number, whole: number): number => (whole === 0 ? 0 : Math.round((part * 100) / whole));

/** Routes of Assurance and the Configuration Archive over `inventory` and `analysis`. */
export function assuranceRoutes(inventory: CatalystSeed, analysis: AnalysisSeed): Router {
  const api = express.Router();
  const health = (d: SimDevice): SimDeviceHealth => analysis.health[d.id] ?? { overallHealth: 10, cpuUtilization: 10, cpuHealth: 10, memoryUtilization: 30, memoryUtilizationHealth: 10, interfaceLinkErrHealth: 10, interDeviceLinkAvailHealth: 10, issueCount: 0 };
  const siteById = new Map(inventory.sites.map((s) => [s.id, s]));
  const siteOfDevice = (d: SimDevice): SimSite | undefined => siteById.get(inventory.deviceSites[d.id] ?? '');
  /** Devices at `site` or below it. */
  const devicesUnder = (site: SimSite): SimDevice[] =>
    inventory.devices.filter((d) => {
      const s = siteOfDevice(d);
      return s !== undefined && (s.id === site.id || s.siteHierarchy.startsWith(`${site.siteHierarchy}/`));
    });

  api.get('/v1/device-health', (req, res) => {
    const page = paging(req, res, 500);
    if (!page) return;
    const role = req.query['deviceRole'];
    const roles = ['CORE', 'ACCESS', 'DISTRIBUTION', 'ROUTER', 'WLC', 'AP'];
    if (role !== undefined && (typeof role !== 'string' || !roles.includes(role.toUpperCase()))) {
      sendError(res, 400, 'NCAS00101', 'Invalid deviceRole', `deviceRole must be one of ${roles.join(', ')}`);
      return;
    }
    const wantedHealth = req.query['health'];
    if (wantedHealth !== undefined && (typeof wantedHealth !== 'string' || !['POOR', 'FAIR', 'GOOD'].includes(wantedHealth.toUpperCase()))) {
      sendError(res, 400, 'NCAS00102', 'Invalid health', 'health must be one of POOR, FAIR, GOOD');
      return;
    }
    const siteIds = queryValues(req, 'siteId');
    let devices = inventory.devices;
    if (typeof role === 'string') devices = devices.filter((d) => assuranceRole(d) === role.toUpperCase());
    if (typeof wantedHealth === 'string') devices = devices.filter((d) => category(health(d).overallHealth) === wantedHealth.toUpperCase());
    if (siteIds) {
      const sites = siteIds.map((id) => siteById.get(id)).filter((s): s is SimSite => s !== undefined);
      const allowed = new Set(sites.flatMap((s) => devicesUnder(s).map((d) => d.id)));
      devices = devices.filter((d) => allowed.has(d.id));
    }
    const rows = devices.map((d) => {
      const h = health(d);
      return {
        name: d.hostname,
        uuid: d.id,
        model: d.platformId,
        osVersion: d.softwareVersion,
        ipAddress: d.managementIpAddress,
        macAddress: d.macAddress,
        deviceFamily: d.family.toUpperCase().replace(/ /g, '_'),
        deviceType: d.type,
        location: siteOfDevice(d)?.siteNameHierarchy ?? '',
        overallHealth: h.overallHealth,
        issueCount: h.issueCount,
        interfaceLinkErrHealth: h.interfaceLinkErrHealth,
        cpuUtilization: h.cpuUtilization,
        cpuUlitilization: h.cpuUtilization, // Cisco's own spelling, still sent by 2.3.x
        cpuHealth: h.cpuHealth,
        memoryUtilizationHealth: h.memoryUtilizationHealth,
        memoryUtilization: h.memoryUtilization,
        interDeviceLinkAvailHealth: h.interDeviceLinkAvailHealth,
        reachabilityHealth: d.reachabilityStatus === 'Reachable' ? 'REACHABLE' : 'UNREACHABLE',
      };
    });
    res.json({ version: '1.0', totalCount: rows.length, response: rows.slice(page.offset - 1, page.offset - 1 + page.limit) });
  });

  api.get('/v1/network-health', (req, res) => {
    const timestamp = Number(req.query['timestamp'] ?? SEED_TIME);
    if (!Number.isFinite(timestamp) || timestamp < 0) {
      sendError(res, 400, 'NCAS00103', 'Invalid timestamp', 'timestamp must be epoch milliseconds');
      return;
    }
    const all = count(inventory.devices.map((d) => health(d).overallHealth));
    const categories: Array<[string, ReturnType<typeof assuranceRole>]> = [
      ['Access', 'ACCESS'],
      ['Distribution', 'DISTRIBUTION'],
      ['Core', 'CORE'],
      ['Router', 'ROUTER'],
      ['Wireless', 'WLC'],
    ];
    const score = percent(all.good, all.total);
    res.json({
      version: '1.0',
      response: [{ time: new Date(timestamp).toISOString(), healthScore: score, totalCount: all.total, goodCount: all.good, unmonCount: 0, fairCount: all.fair, badCount: all.bad, entity: null, timeinMillis: timestamp }],
      measuredBy: 'global',
      latestMeasuredByEntity: null,
      latestHealthScore: score,
      monitoredDevices: all.total,
      monitoredHealthyDevices: all.good,
      monitoredUnHealthyDevices: all.fair + all.bad,
      unMonitoredDevices: 0,
      healthDistirubution: categories.map(([name, role]) => {
        const c = count(inventory.devices.filter((d) => assuranceRole(d) === role).map((d) => health(d).overallHealth));
        return {
          category: name,
          totalCount: c.total,
          healthScore: percent(c.good, c.total),
          goodPercentage: percent(c.good, c.total),
          badPercentage: percent(c.bad, c.total),
          fairPercentage: percent(c.fair, c.total),
          unmonPercentage: 0,
          goodCount: c.good,
          badCount: c.bad,
          fairCount: c.fair,
          unmonCount: 0,
          kpiMetrics: [],
        };
      }),
    });
  });

  api.get('/v1/site-health', (req, res) => {
    const page = paging(req, res, 50);
    if (!page) return;
    const siteType = req.query['siteType'];
    if (siteType !== undefined && (typeof siteType !== 'string' || !['AREA', 'BUILDING'].includes(siteType.toUpperCase()))) {
      sendError(res, 400, 'NCAS00104', 'Invalid siteType', 'siteType must be AREA or BUILDING');
      return;
    }
    const typeOf = (s: SimSite) => s.additionalInfo.find((i) => i.nameSpace === 'Location')?.attributes['type'] ?? 'area';
    const sites = inventory.sites.filter((s) => typeOf(s) !== 'floor' && (typeof siteType !== 'string' || typeOf(s) === siteType.toLowerCase()));
    const rows = sites.map((s) => {
      const devices = devicesUnder(s);
      const scores = devices.map((d) => health(d).overallHealth);
      const c = count(scores);
      const roleScore = (role: ReturnType<typeof assuranceRole>) => {
        const r = count(devices.filter((d) => assuranceRole(d) === role).map((d) => health(d).overallHealth));
        return r.total === 0 ? null : percent(r.good, r.total);
      };
      const parent = siteById.get(s.parentId);
      const impacted = analysis.issues.some((i) => i.status === 'ACTIVE' && i.priority === 'P1' && devices.some((d) => d.id === i.deviceId));
      return {
        siteName: s.name,
        siteId: s.id,
        parentSiteId: parent?.id ?? null,
        parentSiteName: parent?.name ?? null,
        siteType: typeOf(s),
        healthyNetworkDevicePercentage: devices.length === 0 ? null : percent(c.good, c.total),
        numberOfNetworkDevice: devices.length,
        networkHealthAverage: devices.length === 0 ? null : Math.round(scores.reduce((a, b) => a + b, 0) / scores.length),
        networkHealthAccess: roleScore('ACCESS'),
        networkHealthDistribution: roleScore('DISTRIBUTION'),
        networkHealthCore: roleScore('CORE'),
        networkHealthRouter: roleScore('ROUTER'),
        networkHealthWireless: roleScore('WLC'),
        healthyClientsPercentage: devices.length === 0 ? null : impacted ? 61 : 96,
        numberOfClients: devices.length * 40,
        clientHealthWired: devices.length === 0 ? null : impacted ? 58 : 97,
        clientHealthWireless: devices.length === 0 ? null : impacted ? 64 : 94,
      };
    });
    res.json({ version: '1.0', response: rows.slice(page.offset - 1, page.offset - 1 + page.limit) });
  });

  api.get('/v1/client-health', (_req, res) => {
    const impacted = analysis.issues.filter((i) => i.status === 'ACTIVE' && i.priority === 'P1').length;
    const detail = (value: string, clients: number, score: number) => ({
      scoreCategory: { scoreCategory: 'CLIENT_TYPE', value },
      scoreValue: score,
      clientCount: clients,
      clientUniqueCount: clients,
      starttime: SEED_TIME - 300_000,
      endtime: SEED_TIME,
      scoreList: [
        { scoreCategory: { scoreCategory: 'SCORE_TYPE', value: 'POOR' }, scoreValue: -1, clientCount: Math.round((clients * (100 - score)) / 100) },
        { scoreCategory: { scoreCategory: 'SCORE_TYPE', value: 'GOOD' }, scoreValue: -1, clientCount: Math.round((clients * score) / 100) },
      ],
    });
    const wired = 412;
    const wireless = 1280;
    const wiredScore = Math.max(40, 97 - impacted * 6);
    const wirelessScore = Math.max(40, 94 - impacted * 5);
    res.json({
      version: '1.0',
      response: [
        {
          siteId: 'global',
          scoreDetail: [
            detail('ALL', wired + wireless, Math.round((wired * wiredScore + wireless * wirelessScore) / (wired + wireless))),
            detail('WIRED', wired, wiredScore),
            detail('WIRELESS', wireless, wirelessScore),
          ],
        },
      ],
    });
  });

  api.get('/v1/issues', (req, res) => {
    let issues = analysis.issues;
    const priority = req.query['priority'];
    if (priority !== undefined && (typeof priority !== 'string' || !/^P[1-4]$/i.test(priority))) {
      sendError(res, 400, 'NCAS00105', 'Invalid priority', 'priority must be P1, P2, P3 or P4');
      return;
    }
    const status = req.query['issueStatus'];
    if (status !== undefined && (typeof status !== 'string' || !['ACTIVE', 'IGNORED', 'RESOLVED'].includes(status.toUpperCase()))) {
      sendError(res, 400, 'NCAS00106', 'Invalid issueStatus', 'issueStatus must be ACTIVE, IGNORED or RESOLVED');
      return;
    }
    if (typeof priority === 'string') issues = issues.filter((i) => i.priority === priority.toUpperCase());
    if (typeof status === 'string') issues = issues.filter((i) => i.status === status.toUpperCase());
    const siteId = queryValues(req, 'siteId');
    if (siteId) issues = issues.filter((i) => siteId.includes(i.siteId));
    const deviceId = queryValues(req, 'deviceId');
    if (deviceId) issues = issues.filter((i) => deviceId.includes(i.deviceId));
    const start = Number(req.query['startTime'] ?? 0);
    const end = Number(req.query['endTime'] ?? Number.MAX_SAFE_INTEGER);
    issues = issues.filter((i) => i.lastOccurrenceTime >= start && i.lastOccurrenceTime <= end);
    res.json({
      version: '1.0',
      totalCount: String(issues.length),
      response: issues.map((i) => ({
        issueId: i.issueId,
        name: i.name,
        siteId: i.siteId,
        deviceId: i.deviceId,
        deviceRole: i.deviceRole,
        aiDriven: 'No',
        clientMac: null,
        issue_occurence_count: i.occurrences,
        status: i.status,
        priority: i.priority,
        category: i.category,
        last_occurence_time: i.lastOccurrenceTime,
      })),
    });
  });

  api.get('/v1/issue-enrichment-details', (req, res) => {
    const type = req.get('entity_type');
    const value = req.get('entity_value');
    if (type === undefined || value === undefined || value === '') {
      sendError(res, 400, 'NCAS00107', 'Missing headers', 'headers entity_type and entity_value are required');
      return;
    }
    if (type !== 'issue_id' && type !== 'mac_address') {
      sendError(res, 400, 'NCAS00108', 'Invalid entity_type', 'entity_type must be issue_id or mac_address');
      return;
    }
    const found = type === 'issue_id' ? analysis.issues.filter((i) => i.issueId === value) : [];
    res.json({
      issueDetails: {
        issue: found.map((i) => ({
          issueId: i.issueId,
          issueSource: 'Cisco DNA',
          issueCategory: i.category,
          issueName: i.name,
          issueDescription: i.description,
          issueEntity: 'network_device',
          issueEntityValue: i.deviceId,
          issueSeverity: i.severity,
          issuePriority: i.priority,
          issueSummary: i.summary,
          issueTimestamp: i.lastOccurrenceTime,
          suggestedActions: i.suggestedActions.map((a) => ({ message: a.message, steps: a.steps })),
          impactedHosts: [],
        })),
      },
    });
  });

  api.get('/v1/networkDeviceConfigFiles', (req, res) => {
    const page = paging(req, res, 500);
    if (!page) return;
    let files = [...analysis.configFiles].sort((a, b) => b.createdTime - a.createdTime);
    const ids = queryValues(req, 'networkDeviceId');
    if (ids && ids.length > 5) {
      sendError(res, 400, 'NCAR00101', 'Too many devices', 'The number of networkDeviceId(s) must not exceed 5');
      return;
    }
    if (ids) files = files.filter((f) => ids.includes(f.networkDeviceId));
    const id = queryValues(req, 'id');
    if (id) files = files.filter((f) => id.includes(f.id));
    const fileType = queryValues(req, 'fileType');
    if (fileType) files = files.filter((f) => fileType.includes(f.fileType));
    res.json({
      version: '1.0',
      response: files
        .slice(page.offset - 1, page.offset - 1 + page.limit)
        .map((f) => ({ id: f.id, networkDeviceId: f.networkDeviceId, versionId: f.versionId, fileType: f.fileType, createdBy: f.createdBy, createdTime: f.createdTime })),
    });
  });

  api.post('/v1/networkDeviceConfigFiles/:id/downloadMasked', (req: Request, res: Response) => {
    const file = analysis.configFiles.find((f) => f.id === req.params['id']);
    if (!file) {
      sendError(res, 404, 'NCAR00104', 'Configuration file not found', 'No configuration file with that id');
      return;
    }
    res.type('text/plain').send(maskConfig(file.content));
  });

  return api;
}

/** Catalyst Center's masking of a downloaded configuration: secret values become `*****` (simulator's mask token). */
export function maskConfig(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line
        .replace(/\b(secret|password|key)( [0-9])? \S+/g, '$1$2 *****')
        .replace(/\b(snmp-server community) \S+/, '$1 *****')
        .replace(/\b(auth (?:md5|sha)) \S+/, '$1 *****')
        .replace(/\b(priv (?:des|3des|aes \d+)) \S+/, '$1 *****')
        .replace(/\b(md5) \S+/, '$1 *****')
        .replace(/^(snmp-server host \S+ version \S+) \S+/, '$1 *****'),
    )
    .join('\n');
}
