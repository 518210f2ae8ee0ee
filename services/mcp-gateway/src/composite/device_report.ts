import { z } from 'zod';
import { DeviceSummary, MissingPartSchema, deviceOf } from './schemas.ts';
import { defineComposite, missing, type MissingPart } from './types.ts';

const Part = <T extends z.ZodType>(item: T) => z.array(item).nullable();

/**
 * `ops__device_report`: one device from Catalyst Center with its open incidents and
 * recent change requests from ServiceNow and the repository files that mention it on GitHub.
 */
export const deviceReport = defineComposite({
  name: 'device_report',
  title: 'Device report (network + ITSM + GitHub)',
  description:
    'Builds a report on one network device across servers: the device from Catalyst Center (network), its open incidents and recent ' +
    'change requests from ServiceNow (itsm), and the repository files that mention its hostname on GitHub (github). Each part is fetched ' +
    'with your own permissions; a part you may not see or that is unavailable is listed under "missing" with the reason, and the rest is still returned.',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({ device_id: z.uuid().describe('Device UUID, as returned by network__list_devices') }),
  output: z.object({
    device: DeviceSummary.nullable().describe('The device; null when it could not be read'),
    open_incidents: Part(z.record(z.string(), z.unknown())).describe('Open incidents whose short description names the device; null when missing'),
    recent_change_requests: Part(z.record(z.string(), z.unknown())).describe('Change requests naming the device, newest first; null when missing'),
    config_files: Part(z.record(z.string(), z.unknown())).describe('Repository files mentioning the hostname; null when missing'),
    complete: z.boolean().describe('true when every part was obtained'),
    missing: z.array(MissingPartSchema),
  }),
  requires: ['network__get_device'],
  async handler(args, ctx) {
    const gone: MissingPart[] = [];
    const got = await ctx.hop('network', 'get_device', { device_id: args.device_id });
    const device = got.status === 'ok' ? deviceOf(got.result) : undefined;
    if (got.status !== 'ok' || device === undefined) {
      const why = got.status === 'ok' ? { status: 'failed' as const, code: 'ERR_VALIDATION', message: 'mcp-network returned no device' } : got;
      gone.push(missing('device', 'network__get_device', why));
      const structured = { device: null, open_incidents: null, recent_change_requests: null, config_files: null, complete: false, missing: gone };
      return { structured, text: `No report: the device could not be read (${why.message}).`, isError: true };
    }
    const [incidents, changes, files] = await Promise.all([
      ctx.hop('itsm', 'search_incidents', { text: device.hostname, active: true, limit: 20 }),
      ctx.hop('itsm', 'search_change_requests', { text: device.hostname, limit: 10 }),
      ctx.hop('github', 'search_code', { query: device.hostname }),
    ]);
    const pick = (outcome: typeof incidents, part: string, tool: string, key: string): Record<string, unknown>[] | null => {
      if (outcome.status !== 'ok') {
        gone.push(missing(part, tool, outcome));
        return null;
      }
      const list = outcome.result[key];
      return Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
    };
    const structured = {
      device,
      open_incidents: pick(incidents, 'open_incidents', 'itsm__search_incidents', 'incidents'),
      recent_change_requests: pick(changes, 'recent_change_requests', 'itsm__search_change_requests', 'change_requests'),
      config_files: pick(files, 'config_files', 'github__search_code', 'hits'),
      complete: gone.length === 0,
      missing: gone,
    };
    const count = (v: unknown[] | null, what: string) => (v === null ? `${what}: missing` : `${v.length} ${what}`);
    const text = [
      `${device.hostname} (${device.role}, ${device.managementIpAddress}, ${device.reachabilityStatus})`,
      `${count(structured.open_incidents, 'open incident(s)')}; ${count(structured.recent_change_requests, 'change request(s)')}; ${count(structured.config_files, 'repository file(s)')}`,
      ...gone.map((m) => `missing ${m.part}: ${m.reason} (${m.code})`),
    ].join('\n');
    return { structured, text, isError: false };
  },
});
