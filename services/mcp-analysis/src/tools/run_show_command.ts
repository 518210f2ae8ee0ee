import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import { runCommand } from '../command-runner.ts';
import { canonicalCommand } from '../commands.ts';
import type { AnalysisDeps } from '../deps.ts';
import { deviceIdsInput, resolveTargets } from '../devices.ts';

/** One device's answer, as tools return it. */
export const DeviceOutput = z.object({
  device_id: z.string(),
  hostname: z.string(),
  status: z.enum(['SUCCESS', 'FAILURE', 'BLACKLISTED', 'NO_RESULT']).describe('FAILURE includes devices that timed out'),
  output: z.string().describe('Secrets redacted; cut with a note when longer than the output limit'),
  truncated: z.boolean(),
  output_bytes: z.number().int().describe('Size of the full redacted output'),
  redactions: z.number().int().describe('Secret values removed from the output'),
});

export const runShowCommand = defineTool<AnalysisDeps>()({
  name: 'run_show_command',
  title: 'Run a read-only show command',
  description:
    'Runs one read-only show command on network devices through Catalyst Center Command Runner and returns each device\'s output, e.g. "show interfaces GigabitEthernet1/0/24", "show logging", "show running-config". ' +
    'Only allow-listed show commands, spelled out in full (no abbreviations, pipes or filters), on devices within your scope (service desk: access layer; CORE devices need admin). ' +
    'Secrets are redacted and long outputs are cut with a note; a device that does not answer is reported as FAILURE (timed out).',
  action: 'execute',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    command: z.string().min(1).max(256).describe('A show command in full, e.g. "show ip interface brief"'),
    device_ids: deviceIdsInput,
  }),
  output: z.object({ command: z.string(), task_id: z.string(), results: z.array(DeviceOutput) }),
  // The policy needs each target's role (device scope): read them before deciding.
  resolveResource: (args, ctx) => resolveTargets(args.device_ids, ctx),
  handler: async (args, ctx) => {
    const command = canonicalCommand(args.command);
    const { devices } = await resolveTargets(args.device_ids, ctx);
    const { taskId, outputs } = await runCommand(ctx, devices, command);
    return {
      command,
      task_id: taskId,
      results: outputs.map((o) => ({ device_id: o.device.id, hostname: o.device.hostname, status: o.status, output: o.output, truncated: o.truncated, output_bytes: o.bytes, redactions: o.redactions })),
    };
  },
  render: (o) => o.results.map((r) => `=== ${r.hostname} (${r.status}${r.redactions > 0 ? `, ${r.redactions} secret(s) redacted` : ''}) ===\n${r.output}`).join('\n'),
});
