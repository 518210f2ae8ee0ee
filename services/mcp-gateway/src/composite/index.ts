import { deviceReport } from './device_report.ts';
import { reportUnreachableDevice } from './report_unreachable_device.ts';
import type { CompositeTool } from './types.ts';

/** The gateway's own tools (exposed under the `ops` prefix). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a heterogeneous list of composites needs an existential input type
export const compositeTools: CompositeTool<any>[] = [deviceReport, reportUnreachableDevice];

export type { CompositeContext, CompositeOutput, CompositeTool, HopOutcome, MissingPart } from './types.ts';
