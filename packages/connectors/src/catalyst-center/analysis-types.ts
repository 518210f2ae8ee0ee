import { z } from 'zod';

/**
 * Shapes of Catalyst Center's analysis APIs (Intent API 2.3.7: Assurance health and issues,
 * Command Runner, Path Trace, Configuration Archive). Loose objects: fields the platform does
 * not use pass through, so a newer release that adds fields does not break the client.
 * Cisco's own spellings are kept where the API has them (`cpuUlitilization`,
 * `healthDistirubution`, `issue_occurence_count`).
 */

const str = z.string().nullish();
const num = z.number().nullish();

/**
 * One entry of `GET /dna/intent/api/v1/device-health` (`response[]`).
 *
 * @example
 * ```ts
 * const poor = (await catalyst.getDeviceHealth({ health: 'POOR' })).map((d) => d.name);
 * ```
 */
export const DeviceHealthSchema = z.looseObject({
  name: str,
  uuid: str,
  model: str,
  osVersion: str,
  ipAddress: str,
  macAddress: str,
  deviceFamily: str,
  deviceType: str,
  location: str,
  overallHealth: num,
  issueCount: num,
  interfaceLinkErrHealth: num,
  cpuUtilization: num,
  cpuUlitilization: num,
  cpuHealth: num,
  memoryUtilizationHealth: num,
  memoryUtilization: num,
  interDeviceLinkAvailHealth: num,
  reachabilityHealth: str,
});
export type DeviceHealth = z.infer<typeof DeviceHealthSchema>;

/** Filters of `getDeviceHealth`. */
export interface DeviceHealthQuery {
  /** `CORE`, `ACCESS`, `DISTRIBUTION`, `ROUTER`, `WLC` or `AP`. */
  deviceRole?: 'CORE' | 'ACCESS' | 'DISTRIBUTION' | 'ROUTER' | 'WLC' | 'AP';
  siteId?: string;
  /** `POOR` (1–3), `FAIR` (4–7) or `GOOD` (8–10). */
  health?: 'POOR' | 'FAIR' | 'GOOD';
  /** Epoch milliseconds. */
  startTime?: number;
  endTime?: number;
  /** 1-based. */
  offset?: number;
  /** 1–500. */
  limit?: number;
}

const HealthDistributionSchema = z.looseObject({
  category: z.string(),
  totalCount: num,
  healthScore: num,
  goodPercentage: num,
  badPercentage: num,
  fairPercentage: num,
  goodCount: num,
  badCount: num,
  fairCount: num,
});

/**
 * `GET /dna/intent/api/v1/network-health` (the whole body: `response[]` plus summary fields).
 *
 * @example
 * ```ts
 * const { latestHealthScore } = await catalyst.getNetworkHealth();
 * ```
 */
export const NetworkHealthSchema = z.looseObject({
  response: z.array(z.looseObject({ time: str, healthScore: num, totalCount: num, goodCount: num, fairCount: num, badCount: num, unmonCount: num })).nullish(),
  latestHealthScore: num,
  monitoredDevices: num,
  monitoredHealthyDevices: num,
  monitoredUnHealthyDevices: num,
  unMonitoredDevices: num,
  healthDistirubution: z.array(HealthDistributionSchema).nullish(),
});
export type NetworkHealth = z.infer<typeof NetworkHealthSchema>;

/**
 * One entry of `GET /dna/intent/api/v1/site-health` (`response[]`).
 *
 * @example
 * ```ts
 * const buildings = await catalyst.getSiteHealth({ siteType: 'BUILDING' });
 * ```
 */
export const SiteHealthSchema = z.looseObject({
  siteName: z.string(),
  siteId: z.string(),
  parentSiteName: str,
  siteType: str,
  healthyNetworkDevicePercentage: num,
  numberOfNetworkDevice: num,
  networkHealthAverage: num,
  networkHealthAccess: num,
  networkHealthDistribution: num,
  networkHealthCore: num,
  networkHealthRouter: num,
  networkHealthWireless: num,
  healthyClientsPercentage: num,
  numberOfClients: num,
  clientHealthWired: num,
  clientHealthWireless: num,
});
export type SiteHealth = z.infer<typeof SiteHealthSchema>;

/** Filters of `getSiteHealth`. */
export interface SiteHealthQuery {
  siteType?: 'AREA' | 'BUILDING';
  timestamp?: number;
  offset?: number;
  /** 1–50. */
  limit?: number;
}

/**
 * One entry of `GET /dna/intent/api/v1/client-health` (`response[]`).
 *
 * @example
 * ```ts
 * const [global] = await catalyst.getClientHealth(); global.scoreDetail.find((s) => s.scoreCategory.value === 'WIRELESS');
 * ```
 */
export const ClientHealthSchema = z.looseObject({
  siteId: str,
  scoreDetail: z
    .array(
      z.looseObject({
        scoreCategory: z.looseObject({ scoreCategory: str, value: str }),
        scoreValue: num,
        clientCount: num,
        clientUniqueCount: num,
      }),
    )
    .nullish()
    .transform((v) => v ?? []),
});
export type ClientHealth = z.infer<typeof ClientHealthSchema>;

/**
 * One entry of `GET /dna/intent/api/v1/issues` (`response[]`).
 *
 * @example
 * ```ts
 * const open = await catalyst.listIssues({ issueStatus: 'ACTIVE', priority: 'P1' });
 * ```
 */
export const IssueSchema = z.looseObject({
  issueId: z.string(),
  name: str,
  siteId: str,
  deviceId: str,
  deviceRole: str,
  aiDriven: str,
  clientMac: str,
  issue_occurence_count: num,
  status: str,
  priority: str,
  category: str,
  last_occurence_time: num,
});
export type Issue = z.infer<typeof IssueSchema>;

/** Filters of `listIssues`. */
export interface IssuesQuery {
  siteId?: string;
  deviceId?: string;
  priority?: 'P1' | 'P2' | 'P3' | 'P4';
  issueStatus?: 'ACTIVE' | 'IGNORED' | 'RESOLVED';
  /** Epoch milliseconds. */
  startTime?: number;
  endTime?: number;
}

/**
 * One issue of `GET /dna/intent/api/v1/issue-enrichment-details` (`issueDetails.issue[]`).
 *
 * @example
 * ```ts
 * const detail = await catalyst.getIssueEnrichment(issueId); detail?.suggestedActions.map((a) => a.message);
 * ```
 */
export const IssueEnrichmentSchema = z.looseObject({
  issueId: z.string(),
  issueSource: str,
  issueCategory: str,
  issueName: str,
  issueDescription: str,
  issueEntity: str,
  issueEntityValue: str,
  issueSeverity: str,
  issuePriority: str,
  issueSummary: str,
  issueTimestamp: num,
  suggestedActions: z
    .array(z.looseObject({ message: z.string(), steps: z.array(z.unknown()).nullish() }))
    .nullish()
    .transform((v) => v ?? []),
});
export type IssueEnrichment = z.infer<typeof IssueEnrichmentSchema>;

/** Request of `runReadOnlyCommands` (`POST …/network-device-poller/cli/read-request`). */
export interface ReadOnlyCommandRequest {
  /** Commands to run, 1–5. */
  commands: string[];
  deviceUuids: string[];
  /** Seconds Catalyst Center waits for the devices (default on its side: 300). */
  timeout?: number;
  name?: string;
  description?: string;
}

/**
 * One device's entry in a Command Runner result file (`GET /dna/intent/api/v1/file/{fileId}`).
 *
 * @example
 * ```ts
 * const [first] = await catalyst.getCommandRunnerFile(fileId); first.commandResponses.SUCCESS['show version'];
 * ```
 */
export const CommandRunnerResultSchema = z.looseObject({
  deviceUuid: z.string(),
  commandResponses: z.looseObject({
    SUCCESS: z.record(z.string(), z.string()).nullish().transform((v) => v ?? {}),
    FAILURE: z.record(z.string(), z.string()).nullish().transform((v) => v ?? {}),
    BLACKLISTED: z.record(z.string(), z.string()).nullish().transform((v) => v ?? {}),
  }),
});
export type CommandRunnerResult = z.infer<typeof CommandRunnerResultSchema>;

/** Request of `startPathTrace` (`POST /dna/intent/api/v1/flow-analysis`). */
export interface PathTraceRequest {
  sourceIP: string;
  destIP: string;
  /** Port as a string, 1–65535 (the API's own type). */
  sourcePort?: string;
  destPort?: string;
  protocol?: 'TCP' | 'UDP';
  periodicRefresh?: boolean;
  /** e.g. `INTERFACE-STATS`, `DEVICE-STATS`, `ACL-TRACE`, `QOS-STATS`. */
  inclusions?: string[];
  controlPath?: boolean;
}

/** `POST /dna/intent/api/v1/flow-analysis` → `response`. */
export const PathTraceRefSchema = z.looseObject({ flowAnalysisId: z.string(), taskId: str, url: str });
export type PathTraceRef = z.infer<typeof PathTraceRefSchema>;

const InterfaceRefSchema = z.looseObject({ physicalInterface: z.looseObject({ id: str, name: str }).nullish() }).nullish();

/**
 * `GET /dna/intent/api/v1/flow-analysis/{flowAnalysisId}` → `response`.
 *
 * @example
 * ```ts
 * const trace = await catalyst.getPathTrace(id); trace.request.status; // INPROGRESS | COMPLETED | FAILED
 * ```
 */
export const PathTraceSchema = z.looseObject({
  request: z.looseObject({
    id: z.string(),
    sourceIP: str,
    destIP: str,
    sourcePort: str,
    destPort: str,
    protocol: str,
    status: z.string(),
    failureReason: str,
    createTime: num,
    lastUpdateTime: num,
  }),
  lastUpdate: str,
  networkElementsInfo: z
    .array(
      z.looseObject({
        id: str,
        name: str,
        ip: str,
        role: str,
        type: str,
        linkInformationSource: str,
        ingressInterface: InterfaceRefSchema,
        egressInterface: InterfaceRefSchema,
      }),
    )
    .nullish()
    .transform((v) => v ?? []),
});
export type PathTrace = z.infer<typeof PathTraceSchema>;

/**
 * One entry of `GET /dna/intent/api/v1/networkDeviceConfigFiles` (`response[]`), newest first.
 *
 * @example
 * ```ts
 * const [latest, previous] = await catalyst.listConfigFiles({ networkDeviceId, fileType: 'RUNNINGCONFIG' });
 * ```
 */
export const ConfigFileSchema = z.looseObject({
  id: z.string(),
  networkDeviceId: z.string(),
  versionId: str,
  fileType: z.string(),
  createdBy: str,
  createdTime: z.number(),
});
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** Filters of `listConfigFiles`. */
export interface ConfigFilesQuery {
  /** Up to 5 device ids. */
  networkDeviceId?: string | string[];
  fileType?: 'RUNNINGCONFIG' | 'STARTUPCONFIG' | 'VLAN';
  offset?: number;
  limit?: number;
}
