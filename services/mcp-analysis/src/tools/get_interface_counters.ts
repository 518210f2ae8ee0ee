import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import { runCommand } from '../command-runner.ts';
import { INTERFACE_NAME, canonicalCommand } from '../commands.ts';
import type { AnalysisDeps } from '../deps.ts';
import { resolveTargets } from '../devices.ts';

const num = (text: string, pattern: RegExp): number | null => {
  const m = pattern.exec(text);
  return m?.[1] !== undefined ? Number(m[1]) : null;
};

/** Counters parsed from IOS `show interfaces <name>` output. */
export function parseInterfaceCounters(text: string) {
  const status = /is (up|down|administratively down), line protocol is (up|down)/.exec(text);
  const media = /^\s*(Full-duplex|Half-duplex|Auto-duplex)[^,\n]*,\s*([^,\n]+),/m.exec(text);
  return {
    status: status?.[1] ?? null,
    line_protocol: status?.[2] ?? null,
    description: /Description: ([^\n]*)/.exec(text)?.[1]?.trim() ?? null,
    duplex: media?.[1] ?? null,
    speed: media?.[2]?.trim() ?? null,
    input_packets: num(text, /(\d+) packets input/),
    input_errors: num(text, /(\d+) input errors/),
    crc: num(text, /(\d+) CRC/),
    frame: num(text, /(\d+) frame/),
    output_packets: num(text, /(\d+) packets output/),
    output_errors: num(text, /(\d+) output errors/),
    collisions: num(text, /(\d+) collisions/),
    interface_resets: num(text, /(\d+) interface resets/),
    lost_carrier: num(text, /(\d+) lost carrier/),
  };
}

const Counter = z.number().int().nullable();

export const getInterfaceCounters = defineTool<AnalysisDeps>()({
  name: 'get_interface_counters',
  title: 'Get interface counters',
  description:
    'Reads one interface\'s state and error counters on a device (runs "show interfaces <name>" through Command Runner): status, speed/duplex, input/CRC/frame/output errors, collisions, resets, lost carrier. ' +
    'Use it to confirm an interface-errors or flapping issue. Device scope applies as for run_show_command.',
  action: 'execute',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    device_id: z.uuid().describe('Device UUID'),
    interface: z.string().regex(INTERFACE_NAME, 'interface must be an interface name such as GigabitEthernet1/0/24').describe('Interface name, e.g. GigabitEthernet1/0/24 or TenGigabitEthernet1/1/1'),
  }),
  output: z.object({
    device_id: z.string(),
    hostname: z.string(),
    interface: z.string(),
    status: z.string().nullable(),
    line_protocol: z.string().nullable(),
    description: z.string().nullable(),
    duplex: z.string().nullable(),
    speed: z.string().nullable(),
    input_packets: Counter,
    input_errors: Counter,
    crc: Counter,
    frame: Counter,
    output_packets: Counter,
    output_errors: Counter,
    collisions: Counter,
    interface_resets: Counter,
    lost_carrier: Counter,
  }),
  resolveResource: (args, ctx) => resolveTargets([args.device_id], ctx, 'device_id'),
  handler: async (args, ctx) => {
    const command = canonicalCommand(`show interfaces ${args.interface}`);
    const { devices } = await resolveTargets([args.device_id], ctx, 'device_id');
    const { outputs } = await runCommand(ctx, devices, command);
    const out = outputs[0]!;
    if (out.status !== 'SUCCESS') throw new PlatformError('ERR_UPSTREAM_REJECTED', `${out.device.hostname} did not return counters for ${args.interface}: ${out.output.slice(0, 300)}`);
    return { device_id: out.device.id, hostname: out.device.hostname, interface: args.interface, ...parseInterfaceCounters(out.output) };
  },
  render: (o) =>
    `${o.hostname} ${o.interface}: ${o.status ?? '?'}/${o.line_protocol ?? '?'}, ${o.duplex ?? '?'} ${o.speed ?? '?'}; input errors ${o.input_errors ?? '?'} (CRC ${o.crc ?? '?'}, frame ${o.frame ?? '?'}), output errors ${o.output_errors ?? '?'}, collisions ${o.collisions ?? '?'}, resets ${o.interface_resets ?? '?'}, lost carrier ${o.lost_carrier ?? '?'}`,
});
