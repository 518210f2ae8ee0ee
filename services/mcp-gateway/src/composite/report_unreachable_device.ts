import { z } from 'zod';
import { DeviceSummary, MissingPartSchema, deviceOf } from './schemas.ts';
import { defineComposite, missing, type MissingPart } from './types.ts';

/**
 * `ops__report_unreachable_device`: reads a device from Catalyst Center and, when it is
 * unreachable, opens a ServiceNow incident with the device's details attached (idempotent per device and day).
 */
export const reportUnreachableDevice = defineComposite({
  name: 'report_unreachable_device',
  title: 'Open an incident for an unreachable device (network + ITSM)',
  description:
    'Checks one network device in Catalyst Center (network) and, if it is Unreachable, opens a ServiceNow incident (itsm) for the Network ' +
    'group with the device details (hostname, IP, role, platform, software, serial) in the description. Does nothing when the device is ' +
    'reachable. Calling it again the same day returns the incident already opened instead of a second one. Each step uses your own permissions.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    device_id: z.uuid().describe('Device UUID, as returned by network__list_devices'),
    note: z.string().trim().min(1).max(1000).optional().describe('What you observed, added to the incident description'),
  }),
  output: z.object({
    device: DeviceSummary.nullable().describe('The device; null when it could not be read'),
    opened: z.boolean().describe('true when an incident was opened (or had already been opened today)'),
    incident: z.record(z.string(), z.unknown()).nullable().describe('The incident; null when none was opened'),
    created: z.boolean().describe('false when an incident for this device had already been opened today'),
    reason: z.string().describe('Why the tool did or did not open an incident'),
    missing: z.array(MissingPartSchema),
  }),
  requires: ['network__get_device', 'itsm__create_incident'],
  async handler(args, ctx) {
    const gone: MissingPart[] = [];
    const got = await ctx.hop('network', 'get_device', { device_id: args.device_id });
    const device = got.status === 'ok' ? deviceOf(got.result) : undefined;
    if (got.status !== 'ok' || device === undefined) {
      const why = got.status === 'ok' ? { status: 'failed' as const, code: 'ERR_VALIDATION', message: 'mcp-network returned no device' } : got;
      gone.push(missing('device', 'network__get_device', why));
      const structured = { device: null, opened: false, incident: null, created: false, reason: `the device could not be read: ${why.message}`, missing: gone };
      return { structured, text: `No incident opened: the device could not be read (${why.message}).`, isError: true };
    }
    if (device.reachabilityStatus.toLowerCase() !== 'unreachable') {
      const structured = { device, opened: false, incident: null, created: false, reason: `the device is ${device.reachabilityStatus}`, missing: gone };
      return { structured, text: `${device.hostname} is ${device.reachabilityStatus}: no incident opened.`, isError: false };
    }
    const day = new Date(ctx.now()).toISOString().slice(0, 10).replace(/-/g, '');
    const details = Object.entries(device)
      .filter(([, v]) => typeof v === 'string' || typeof v === 'number')
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join('\n');
    const created = await ctx.hop('itsm', 'create_incident', {
      short_description: `Network device ${device.hostname} is unreachable`.slice(0, 160),
      description: `${args.note ? `${args.note}\n\n` : ''}Catalyst Center reports the device as ${device.reachabilityStatus}.\n\n${details}`.slice(0, 4000),
      impact: device.role.toUpperCase() === 'CORE' ? 1 : 2,
      urgency: 2,
      category: 'network',
      assignment_group: 'Network',
      correlation_id: `unreachable:${device.id}:${day}`.slice(0, 100),
    });
    if (created.status !== 'ok') {
      gone.push(missing('incident', 'itsm__create_incident', created));
      const structured = { device, opened: false, incident: null, created: false, reason: `the incident could not be opened: ${created.message}`, missing: gone };
      return { structured, text: `${device.hostname} is unreachable, but no incident was opened: ${created.message} (${created.code}).`, isError: true };
    }
    const incident = (created.result['incident'] ?? null) as Record<string, unknown> | null;
    const wasCreated = created.result['created'] === true;
    const number = typeof incident?.['number'] === 'string' ? incident['number'] : 'an incident';
    const structured = { device, opened: true, incident, created: wasCreated, reason: `the device is ${device.reachabilityStatus}`, missing: gone };
    return { structured, text: `${device.hostname} is unreachable: ${wasCreated ? 'opened' : 'already opened today:'} ${number}.`, isError: false };
  },
});
