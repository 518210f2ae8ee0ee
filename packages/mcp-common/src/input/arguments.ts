import { PlatformError } from '../errors/index.ts';

/** Bounds on a tool call's arguments that hold for every tool, whatever its schema says. */
export interface ArgumentLimits {
  /** Deepest nesting below the arguments object. Default 32. */
  maxDepth?: number;
  /** Most items of any one array. Default 1000. */
  maxArrayItems?: number;
  /** Longest string, in UTF-16 code units. Default 65536 (a tool that takes file content raises it). */
  maxStringChars?: number;
  /**
   * Top-level argument names whose value may be whitespace only (file content, where `"\n"` is a
   * real file). Everywhere else a non-empty string of only whitespace is refused. Default none.
   */
  whitespaceAllowed?: readonly string[];
}

/** Defaults of {@link ArgumentLimits}. */
export const DEFAULT_ARGUMENT_LIMITS = { maxDepth: 32, maxArrayItems: 1000, maxStringChars: 65_536 } as const;

// Lone UTF-16 surrogates cannot be encoded as UTF-8: upstreams answer them with errors (or mangle them).
// In `u` mode a surrogate pair is one code point, so this class matches only unpaired halves.
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const hasLoneSurrogate = (s: string): boolean => LONE_SURROGATE.test(s);

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
const printable = (key: string): string => {
  const safe = key.replace(/[^\x20-\x7e]/g, '?');
  return safe.length > 40 ? `${safe.slice(0, 40)}…` : safe;
};

/**
 * The first hostile value in a tool call's arguments, as `"<path>: <problem>"`, or undefined.
 * Refuses what no schema should have to think about: strings (and keys) that are not valid
 * Unicode (lone UTF-16 surrogates), non-empty strings of only whitespace (unless the top-level
 * argument is in `whitespaceAllowed`), arrays longer than `maxArrayItems`, strings longer than
 * `maxStringChars`, nesting deeper than `maxDepth`. Iterative, so hostile depth cannot overflow
 * the stack.
 *
 * @example
 * ```ts
 * findHostileArgument({ work_note: '   ' }); // 'work_note: must not be blank (whitespace only)'
 * findHostileArgument({ path: 'a\ud800' }); // 'path: is not valid Unicode (lone surrogate)'
 * ```
 */
export function findHostileArgument(args: Readonly<Record<string, unknown>>, limits: ArgumentLimits = {}): string | undefined {
  const maxDepth = limits.maxDepth ?? DEFAULT_ARGUMENT_LIMITS.maxDepth;
  const maxItems = limits.maxArrayItems ?? DEFAULT_ARGUMENT_LIMITS.maxArrayItems;
  const maxChars = limits.maxStringChars ?? DEFAULT_ARGUMENT_LIMITS.maxStringChars;
  const whitespaceAllowed = new Set(limits.whitespaceAllowed ?? []);
  const stack: { value: unknown; path: string; depth: number; top: string }[] = Object.entries(args).map(([k, v]) => ({ value: v, path: printable(k), depth: 1, top: k }));
  for (const [k] of Object.entries(args)) if (hasLoneSurrogate(k)) return `${printable(k)}: argument name is not valid Unicode (lone surrogate)`;
  while (stack.length > 0) {
    const { value, path, depth, top } = stack.pop() as (typeof stack)[number];
    if (typeof value === 'string') {
      if (value.length > maxChars) return `${path}: longer than ${maxChars} characters`;
      if (hasLoneSurrogate(value)) return `${path}: is not valid Unicode (lone surrogate)`;
      if (value.length > 0 && value.trim() === '' && !whitespaceAllowed.has(top)) return `${path}: must not be blank (whitespace only)`;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) return `${path}: nested deeper than ${maxDepth} levels`;
    if (Array.isArray(value)) {
      if (value.length > maxItems) return `${path}: more than ${maxItems} items`;
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: `${path}[${i}]`, depth: depth + 1, top });
      continue;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length > maxItems) return `${path}: more than ${maxItems} properties`;
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, v] = entries[i] as [string, unknown];
      if (hasLoneSurrogate(k)) return `${join(path, printable(k))}: property name is not valid Unicode (lone surrogate)`;
      stack.push({ value: v, path: join(path, printable(k)), depth: depth + 1, top });
    }
  }
  return undefined;
}

/**
 * {@link findHostileArgument}, throwing `ERR_VALIDATION` with the message naming the field.
 *
 * @example
 * ```ts
 * assertArgumentsSafe(args, { whitespaceAllowed: ['content'] });
 * ```
 */
export function assertArgumentsSafe(args: Readonly<Record<string, unknown>>, limits?: ArgumentLimits): void {
  const problem = findHostileArgument(args, limits);
  if (problem !== undefined) throw new PlatformError('ERR_VALIDATION', problem);
}
