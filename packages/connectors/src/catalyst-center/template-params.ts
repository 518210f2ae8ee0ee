import { isIP } from 'node:net';
import type { Template, TemplateParam } from './types.ts';

/** A template variable's value as callers give it. */
export type TemplateParamValue = string | number | boolean;

// C0 and C1 control characters (newline, carriage return, tab, NUL, ESC…) and the Unicode line/paragraph
// separators: a device's configuration language reads a line break as the start of a new command.
// eslint-disable-next-line no-control-regex -- matching control characters is the point of this check
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
const INTEGER = /^-?\d{1,15}$/;
const MAC = /^(?:[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4})$/i;

const isMissing = (v: TemplateParamValue | undefined): boolean => v === undefined || v === '';
const hasDefault = (p: TemplateParam): boolean => p.defaultValue !== null && p.defaultValue !== undefined && p.defaultValue !== '';
const inRanges = (n: number, ranges: NonNullable<TemplateParam['range']>): boolean =>
  ranges.some((r) => (r.minValue === null || r.minValue === undefined || n >= r.minValue) && (r.maxValue === null || r.maxValue === undefined || n <= r.maxValue));
const rangeText = (ranges: NonNullable<TemplateParam['range']>): string => ranges.map((r) => `${r.minValue ?? '…'}-${r.maxValue ?? '…'}`).join(', ');

/** The problem with one value of a declared variable, or undefined when it fits its declaration. */
function problemWith(p: TemplateParam, value: TemplateParamValue): string | undefined {
  const text = String(value);
  if (CONTROL.test(text)) return 'must not contain newlines or control characters';
  if (text.trim() !== text) return 'must not start or end with whitespace';
  const choices = p.selection?.selectionValues ? Object.values(p.selection.selectionValues) : [];
  if (choices.length > 0 && !choices.includes(text)) return `must be one of ${choices.join(', ')}`;
  const ranges = p.range ?? [];
  switch ((p.dataType ?? 'STRING').toUpperCase()) {
    case 'INTEGER': {
      if (typeof value === 'boolean' || !INTEGER.test(text)) return 'must be an integer (INTEGER)';
      if (ranges.length > 0 && !inRanges(Number(text), ranges)) return `must be within ${rangeText(ranges)}`;
      return undefined;
    }
    case 'IPADDRESS':
      return typeof value === 'string' && isIP(text) !== 0 ? undefined : 'must be an IPv4 or IPv6 address (IPADDRESS)';
    case 'MACADDRESS':
      return typeof value === 'string' && MAC.test(text) ? undefined : 'must be a MAC address (MACADDRESS)';
    case 'STRING':
      if (ranges.length > 0 && !inRanges(text.length, ranges)) return `length must be within ${rangeText(ranges)}`;
      return undefined;
    default:
      // A type this platform does not know is refused rather than passed through unchecked.
      return `has data type ${p.dataType ?? '(none)'}, which this platform cannot check`;
  }
}

/**
 * Checks deploy-time values against a template's declared variables before anything is deployed:
 * every required variable without a default is given, every given name is a variable of the
 * template, and each value fits its declared `dataType` (INTEGER with its `range`, IPADDRESS,
 * MACADDRESS, STRING with its length `range`), its `selection` pick list, and never carries a
 * newline or control character (the device would read it as a new configuration command).
 * Returns one message per problem, each naming the variable as `params.<name>`; empty = valid.
 *
 * @example
 * ```ts
 * const problems = checkTemplateParams(await client.getTemplate(id), { ntpPrimary: '10.0.0.1' });
 * if (problems.length > 0) throw new PlatformError('ERR_VALIDATION', problems.join('; '));
 * ```
 */
export function checkTemplateParams(template: Pick<Template, 'name' | 'templateParams'>, params: Readonly<Record<string, TemplateParamValue>>, field = 'params'): string[] {
  const problems: string[] = [];
  const declared = new Map(template.templateParams.map((p) => [p.parameterName, p]));
  for (const name of Object.keys(params)) {
    if (!declared.has(name)) problems.push(`${field}.${name}: not a variable of template "${template.name}"`);
  }
  for (const p of template.templateParams) {
    const value = Object.hasOwn(params, p.parameterName) ? params[p.parameterName] : undefined;
    if (isMissing(value)) {
      if (p.required && !hasDefault(p)) problems.push(`${field}.${p.parameterName}: required template variable is missing`);
      continue;
    }
    const problem = problemWith(p, value as TemplateParamValue);
    if (problem !== undefined) problems.push(`${field}.${p.parameterName}: ${problem}`);
  }
  return problems;
}
