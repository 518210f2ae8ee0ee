import type { CatalystAnalysisApi, CatalystCenterClient } from '@mcp-platform/connectors/catalyst-center';

/** Limits of the Command Runner and the output returned to callers. */
export interface AnalysisLimits {
  /** Seconds Catalyst Center gives devices to answer. */
  commandTimeoutSeconds: number;
  /** How long a tool waits for a Command Runner task, in ms. */
  commandWaitMs: number;
  commandPollIntervalMs: number;
  /** Most devices one command may target. */
  maxDevices: number;
  /** Largest Command Runner result file read, in bytes. */
  fileMaxBytes: number;
  /** Largest output of one command on one device, in bytes. */
  outputMaxBytes: number;
  /** Largest total output of one call, in bytes. */
  outputTotalMaxBytes: number;
  pathTraceWaitMs: number;
  pathTracePollIntervalMs: number;
}

/** What mcp-analysis's tools need: the Catalyst Center client and the limits. */
export interface AnalysisDeps {
  /** Inventory (device roles for the policy) and the analysis APIs. */
  catalyst: CatalystCenterClient & CatalystAnalysisApi;
  limits: AnalysisLimits;
}
