/**
 * Size caps on what a tool returns: each output is cut at a line boundary within its byte
 * budget and ends with a note saying so, so a model knows it saw part of the output.
 */

/** A capped output. */
export interface CappedOutput {
  text: string;
  truncated: boolean;
  /** Size of the full (redacted) output, in bytes. */
  bytes: number;
}

/**
 * Cuts `text` to at most `maxBytes` UTF-8 bytes (plus the note), at the last line break that
 * fits, and appends a truncation note.
 *
 * @example
 * ```ts
 * capOutput(bigLog, 65536).truncated; // true
 * ```
 */
export function capOutput(text: string, maxBytes: number, hint = 'narrow the command (e.g. show interfaces <name>)'): CappedOutput {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return { text, truncated: false, bytes };
  const buf = Buffer.from(text, 'utf8').subarray(0, Math.max(0, maxBytes));
  let cut = buf.toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1); // a multi-byte character split at the edge
  const lastBreak = cut.lastIndexOf('\n');
  if (lastBreak > 0) cut = cut.slice(0, lastBreak);
  const shown = Buffer.byteLength(cut, 'utf8');
  return { text: `${cut}\n[output truncated: showing ${shown} of ${bytes} bytes; ${hint}]`, truncated: true, bytes };
}

/**
 * A byte budget shared by the outputs of one call: each output gets at most `perItem` bytes
 * and never more than what is left of `total`.
 *
 * @example
 * ```ts
 * const budget = outputBudget(65536, 262144);
 * const a = budget.take(outputA); const b = budget.take(outputB);
 * ```
 */
export function outputBudget(perItem: number, total: number): { take(text: string, hint?: string): CappedOutput } {
  let left = total;
  return {
    take(text, hint) {
      const capped = capOutput(text, Math.min(perItem, Math.max(left, 0)), hint ?? (left < perItem ? 'the total output limit of this call was reached: ask for fewer devices' : undefined));
      left -= Buffer.byteLength(capped.text, 'utf8');
      return capped;
    },
  };
}
