import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { AnalysisDeps } from '../deps.ts';
import { diffConfigs } from '../config-diff.ts';
import { resolveTargets } from '../devices.ts';
import { capOutput } from '../output.ts';

const Version = z.object({ file_id: z.string(), version: z.string().nullable(), created_time: z.string().describe('ISO 8601'), created_by: z.string().nullable() });

export const getConfigChanges = defineTool<AnalysisDeps>()({
  name: 'get_config_changes',
  title: 'What changed on a device',
  description:
    'Shows what changed in a device\'s running configuration between two versions archived by Catalyst Center (default: the two most recent), as a unified diff with secrets redacted. ' +
    'Use it for "what changed on this switch" when an issue started. Device scope applies as for run_show_command.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    device_id: z.uuid().describe('Device UUID'),
    from_file_id: z.uuid().optional().describe('Older archived version (default: the second most recent)'),
    to_file_id: z.uuid().optional().describe('Newer archived version (default: the most recent)'),
  }),
  output: z.object({
    device_id: z.string(),
    hostname: z.string(),
    from: Version.nullable(),
    to: Version.nullable(),
    versions: z.number().int().describe('Archived running-config versions of the device'),
    diff: z.string().describe('Unified diff, secrets redacted; empty when nothing changed or fewer than two versions exist'),
    added_lines: z.number().int(),
    removed_lines: z.number().int(),
    truncated: z.boolean(),
  }),
  resolveResource: (args, ctx) => resolveTargets([args.device_id], ctx, 'device_id'),
  handler: async (args, ctx) => {
    const { deps, signal } = ctx;
    const { devices } = await resolveTargets([args.device_id], ctx, 'device_id');
    const device = devices[0]!;
    const files = (await deps.catalyst.listConfigFiles({ networkDeviceId: device.id, fileType: 'RUNNINGCONFIG' }, { signal })).sort((a, b) => b.createdTime - a.createdTime);
    const pick = (id: string | undefined, fallback: number, field: string) => {
      if (id === undefined) return files[fallback];
      const f = files.find((x) => x.id === id);
      if (!f) throw new PlatformError('ERR_VALIDATION', `${field}: not an archived running configuration of ${device.hostname}`);
      return f;
    };
    const to = pick(args.to_file_id, 0, 'to_file_id');
    const from = pick(args.from_file_id, 1, 'from_file_id');
    const version = (f: typeof to) => (f ? { file_id: f.id, version: f.versionId ?? null, created_time: new Date(f.createdTime).toISOString(), created_by: f.createdBy ?? null } : null);
    const base = { device_id: device.id, hostname: device.hostname, from: version(from), to: version(to), versions: files.length };
    if (!from || !to) return { ...base, diff: '', added_lines: 0, removed_lines: 0, truncated: false };
    const [older, newer] = await Promise.all([
      deps.catalyst.downloadMaskedConfig(from.id, { signal, maxBytes: deps.limits.fileMaxBytes }),
      deps.catalyst.downloadMaskedConfig(to.id, { signal, maxBytes: deps.limits.fileMaxBytes }),
    ]);
    // Both sides are redacted before diffing (Catalyst Center masks, the platform redacts again).
    const diff = diffConfigs(older, newer);
    const capped = capOutput(diff.lines.join('\n'), deps.limits.outputMaxBytes, 'pick two versions closer together');
    return { ...base, diff: capped.text, added_lines: diff.added, removed_lines: diff.removed, truncated: capped.truncated };
  },
  render: (o) =>
    !o.from || !o.to
      ? `${o.hostname}: fewer than two archived running configurations (${o.versions}); nothing to compare.`
      : o.diff === ''
        ? `${o.hostname}: no change between ${o.from.created_time} and ${o.to.created_time}.`
        : `${o.hostname}: ${o.added_lines} line(s) added, ${o.removed_lines} removed between ${o.from.created_time} (${o.from.created_by ?? '?'}) and ${o.to.created_time} (${o.to.created_by ?? '?'}):\n${o.diff}`,
});
