import type { Client } from '@modelcontextprotocol/client';
/**
 * A secret-looking value (GitHub personal-access-token shape) planted in tool arguments by
 * the "no argument ever reaches a log" tests. 32 characters: it fits the platform's short fields.
 */
export const PLANTED_SECRET = 'ghp_PLANTEDn0tAr3alT0k3nXyZ12345';

/** A JSON Schema as MCP `tools/list` publishes it (the subset the probe reads). */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  pattern?: string;
  format?: string;
  minimum?: number;
  minItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  propertyNames?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
}

const SKIP = Symbol('skip');

/**
 * Arguments for a tool, built from its published input schema, with `secret` in every string
 * field that can hold it (every property, required or not). Fields whose pattern or format the
 * secret cannot match take `known[name]` (an existing id, an owner…) when given, else are left out
 * (or, when required, get the secret anyway — the call then fails validation, which the test sees
 * because no decision is logged for it).
 *
 * @example
 * ```ts
 * const args = plantedArguments(tool.inputSchema, PLANTED_SECRET, { incident: 'INC0010001' });
 * ```
 */
export function plantedArguments(schema: JsonSchema, secret: string, known: Record<string, unknown> = {}): Record<string, unknown> {
  const value = (s: JsonSchema, name: string, required: boolean): unknown => {
    if (name in known) return known[name];
    if (s.enum !== undefined) return s.enum[0];
    if (s.const !== undefined) return s.const;
    if (s.anyOf !== undefined) return value(s.anyOf[0] ?? {}, name, required);
    const type = Array.isArray(s.type) ? s.type[0] : s.type;
    switch (type) {
      case 'integer':
      case 'number':
        return Math.max(s.minimum ?? 1, 1);
      case 'boolean':
        return false;
      case 'array': {
        const item = value(s.items ?? {}, `${name}[]`, true);
        return item === SKIP ? SKIP : Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => item);
      }
      case 'object':
        if (s.properties !== undefined) return plantedArguments(s, secret, known);
        return { note: secret };
      case 'string': {
        if (s.format === 'date-time') return required ? new Date(Date.UTC(2030, 0, 1)).toISOString() : SKIP;
        if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(secret)) return required ? secret : SKIP;
        return secret;
      }
      default:
        return required ? secret : SKIP;
    }
  };
  const out: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const v = value(prop, name, required.has(name));
    if (v !== SKIP) out[name] = v;
  }
  return out;
}

/** What {@link probeArgumentLeaks} saw. */
export interface ArgumentLeakReport {
  /** Every tool the user was offered (and called). */
  tools: string[];
  /** Tools whose call reached the policy engine (a decision for them is in OPA's decision log). */
  decided: string[];
  /** Where the secret was found: `service log`, `OPA decision log`. Empty when nothing leaked. */
  leaks: string[];
}

/**
 * Calls every tool a user is offered with {@link PLANTED_SECRET} in every argument it can hold,
 * then searches the server's log and OPA's decision log for it.
 *
 * @example
 * ```ts
 * const report = await probeArgumentLeaks(h, 'alice', { incident: 'INC0010001' });
 * expect(report.leaks).toEqual([]);
 * expect(report.decided).toEqual(report.tools);
 * ```
 */
export async function probeArgumentLeaks(
  h: { client(user: string): Promise<Client>; rawLogs(): string; opa: { output(): string } },
  user: string,
  known: Record<string, unknown> = {},
): Promise<ArgumentLeakReport> {
  const client = await h.client(user);
  const { tools } = await client.listTools();
  for (const tool of tools) {
    await client.callTool({ name: tool.name, arguments: plantedArguments(tool.inputSchema as JsonSchema, PLANTED_SECRET, known) }).catch(() => undefined);
  }
  const names = tools.map((t) => t.name).sort();
  const decidedIn = (log: string) =>
    names.filter((name) =>
      log.split('\n').some((line) => line.includes('"decision_id"') && line.includes(`"tool":"${name}"`)),
    );
  // OPA writes decision logs asynchronously: wait until every call's decision is there (bounded).
  for (let i = 0; i < 100 && decidedIn(h.opa.output()).length < names.length; i++) await new Promise((r) => setTimeout(r, 100));
  const leaks: string[] = [];
  if (h.rawLogs().includes(PLANTED_SECRET)) leaks.push('service log');
  if (h.opa.output().includes(PLANTED_SECRET)) leaks.push('OPA decision log');
  return { tools: names, decided: decidedIn(h.opa.output()), leaks };
}
