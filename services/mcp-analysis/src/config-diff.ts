import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { structuredPatch } from 'diff';
import { redactSecrets } from './redact.ts';

/** Bounds of one configuration diff, so two large or unrelated files cannot pin the CPU. */
export interface DiffLimits {
  /** Most changed lines the diff algorithm explores before giving up. Default 20000. */
  maxEditLength?: number;
  /** Most milliseconds the diff may take. Default 2000. */
  timeoutMs?: number;
}

/** A unified diff of two configurations, secrets redacted on both sides first. */
export interface ConfigDiff {
  /** `@@ … @@` hunks with ` `, `+`, `-` lines (3 lines of context). */
  lines: string[];
  added: number;
  removed: number;
}

/**
 * Diffs two configuration texts line by line (jsdiff), after redacting both, within bounds.
 * Too different to diff within the bounds → `ERR_VALIDATION` naming the choice to change.
 *
 * @example
 * ```ts
 * const { lines, added } = diffConfigs(older, newer);
 * ```
 */
export function diffConfigs(older: string, newer: string, limits: DiffLimits = {}): ConfigDiff {
  const patch = structuredPatch('from', 'to', redactSecrets(older).text, redactSecrets(newer).text, '', '', {
    context: 3,
    maxEditLength: limits.maxEditLength ?? 20_000,
    timeout: limits.timeoutMs ?? 2_000,
  });
  if (!patch) throw new PlatformError('ERR_VALIDATION', 'from_file_id/to_file_id: the two versions differ too much to diff within the limits; pick versions closer together');
  const lines = patch.hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]);
  const count = (sign: string) => patch.hunks.reduce((n, h) => n + h.lines.filter((l) => l.startsWith(sign)).length, 0);
  return { lines, added: count('+'), removed: count('-') };
}
