import { PlatformError } from '@mcp-platform/mcp-common/errors';

/** Encoded-query operators the connector emits. */
export type QueryOperator = '=' | '!=' | 'LIKE' | 'NOTLIKE' | 'STARTSWITH' | 'ENDSWITH' | 'IN' | 'NOT IN' | '<' | '<=' | '>' | '>=' | 'ISEMPTY' | 'ISNOTEMPTY';

/** One `field<OP>value` condition. `value` is ignored for ISEMPTY / ISNOTEMPTY; IN / NOT IN take a list. */
export interface QueryCondition {
  field: string;
  op: QueryOperator;
  value?: string | number | boolean | ReadonlyArray<string | number>;
}

/** A condition, or conditions OR'ed together (`a^ORb`). */
export type QueryClause = QueryCondition | { anyOf: readonly QueryCondition[] };

/** Sort key (`ORDERBY` / `ORDERBYDESC`). */
export interface QueryOrder {
  field: string;
  desc?: boolean;
}

const FIELD = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/;

function encodeValue(value: string | number | boolean, field: string): string {
  const text = String(value);
  // ServiceNow has no escape for `^` inside a value: a caret would end the condition and let
  // the rest be read as more query (query injection). Refuse it instead of guessing.
  if (text.includes('^')) throw new PlatformError('ERR_VALIDATION', `${field}: the character ^ cannot be used in a ServiceNow query value`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(text)) throw new PlatformError('ERR_VALIDATION', `${field}: control characters cannot be used in a query value`);
  return text;
}

function encodeCondition(c: QueryCondition): string {
  if (typeof c.field !== 'string' || !FIELD.test(c.field)) throw new TypeError(`invalid ServiceNow field name: ${String(c.field)}`);
  if (c.op === 'ISEMPTY' || c.op === 'ISNOTEMPTY') return `${c.field}${c.op}`;
  if (c.op === 'IN' || c.op === 'NOT IN') {
    if (!Array.isArray(c.value) || c.value.length === 0) throw new TypeError(`${c.op} needs a non-empty list for ${c.field}`);
    return `${c.field}${c.op}${(c.value as ReadonlyArray<string | number>)
      .map((v) => {
        const text = encodeValue(v, c.field);
        if (text.includes(',')) throw new PlatformError('ERR_VALIDATION', `${c.field}: a list value cannot contain a comma`);
        return text;
      })
      .join(',')}`;
  }
  if (c.value === undefined || Array.isArray(c.value)) throw new TypeError(`${c.op} needs a single value for ${c.field}`);
  return `${c.field}${c.op}${encodeValue(c.value as string | number | boolean, c.field)}`;
}

/**
 * Builds a `sysparm_query` string: clauses are AND'ed (`^`), `anyOf` clauses are OR'ed
 * (`^OR`), then `ORDERBY`/`ORDERBYDESC` terms. Field names are checked (`TypeError` on misuse);
 * values with `^` or control characters are refused with `ERR_VALIDATION`, because the encoded
 * query syntax has no escape for them.
 *
 * @example
 * ```ts
 * encodeQuery([{ field: 'active', op: '=', value: true }, { anyOf: [{ field: 'priority', op: '=', value: 1 }, { field: 'priority', op: '=', value: 2 }] }], [{ field: 'sys_updated_on', desc: true }]);
 * // 'active=true^priority=1^ORpriority=2^ORDERBYDESCsys_updated_on'
 * ```
 */
export function encodeQuery(clauses: readonly QueryClause[], orderBy: readonly QueryOrder[] = []): string {
  const parts = clauses.map((clause) => {
    if ('anyOf' in clause) {
      if (clause.anyOf.length === 0) throw new TypeError('anyOf needs at least one condition');
      return clause.anyOf.map(encodeCondition).join('^OR');
    }
    return encodeCondition(clause);
  });
  for (const o of orderBy) {
    if (!FIELD.test(o.field)) throw new TypeError(`invalid ServiceNow field name: ${o.field}`);
    parts.push(`${o.desc ? 'ORDERBYDESC' : 'ORDERBY'}${o.field}`);
  }
  return parts.join('^');
}
