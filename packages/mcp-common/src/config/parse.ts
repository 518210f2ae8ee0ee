import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.ts';

/** The environment, as `process.env` gives it. */
export type Env = Record<string, string | undefined>;

/**
 * Validates `env` against a zod object schema whose keys are environment
 * variable names. Empty strings count as unset; `NAME_FILE=/path` supplies
 * `NAME` from that file's (trimmed) content when `NAME` itself is unset. On failure throws a
 * {@link ConfigError} naming every bad variable (never echoing values).
 *
 * @example
 * ```ts
 * const config = parseConfig('mcp-network', z.object({ PORT: port(8101) }), process.env);
 * ```
 */
export function parseConfig<S extends z.ZodType>(service: string, schema: S, env: Env): z.output<S> {
  const cleaned: Env = {};
  const fileIssues: ConfigIssue[] = [];
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') cleaned[k] = v.trim();
  // `X_FILE=/path` supplies X from a file (Docker/Kubernetes secrets) — only for variables this
  // schema declares (the environment holds unrelated *_FILE variables); X itself wins when both are set.
  const declared = declaredVariables(schema);
  for (const [k, path] of Object.entries({ ...cleaned })) {
    if (!k.endsWith('_FILE') || k.length <= 5) continue;
    const target = k.slice(0, -5);
    if (!declared.has(target) || cleaned[target] !== undefined || path === undefined) continue;
    try {
      const value = readFileSync(path, 'utf8').trim();
      if (value !== '') cleaned[target] = value;
    } catch {
      fileIssues.push({ variable: k, problem: 'names a file that cannot be read' });
    }
  }
  if (fileIssues.length > 0) throw new ConfigError(service, fileIssues);
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.map((issue) => {
    const variable = issue.path.length > 0 ? String(issue.path[0]) : '(configuration)';
    const missing = issue.code === 'invalid_type' && cleaned[variable] === undefined;
    return { variable, problem: missing ? 'is required' : issue.message };
  });
  throw new ConfigError(service, issues);
}

/** The variable names an object schema declares (empty for other schemas). */
function declaredVariables(schema: z.ZodType): Set<string> {
  const shape = (schema as { shape?: unknown }).shape;
  if (typeof shape === 'object' && shape !== null) return new Set(Object.keys(shape));
  // An object schema followed by `.transform(…)` is a pipe: its input side declares the variables.
  const input = (schema as { in?: unknown }).in;
  return input instanceof z.ZodType ? declaredVariables(input) : new Set();
}

/** A TCP port (1–65535), with a default. */
export const port = (dflt: number) => z.coerce.number().int().min(0).max(65535).default(dflt);

/** An http(s) URL. */
export const httpUrl = () =>
  z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).transform((u) => u.replace(/\/+$/, '') || u);

/** A positive integer (durations in ms/s, sizes in bytes), with a default. */
export const positiveInt = (dflt: number) => z.coerce.number().int().positive().default(dflt);

/** A comma-separated list, trimmed, empties dropped. */
export const list = (dflt: string[] = []) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0))
    .default(dflt);

/** `true/false/1/0/yes/no`, with a default. */
export const bool = (dflt: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(dflt);
