/**
 * ServiceNow encoded queries (`sysparm_query`) as the simulator understands them:
 * `field<OP>value` conditions joined by `^` (AND), `^OR` (OR with the previous
 * condition) and `^NQ` (OR between whole groups), plus `ORDERBY<field>` /
 * `ORDERBYDESC<field>`. Dot-walking one reference deep (`assignment_group.name`)
 * is resolved by the caller's `read` function.
 */

/** Operators the simulator evaluates (longest first when parsing). */
export const QUERY_OPERATORS = [
  'ISNOTEMPTY',
  'ISEMPTY',
  'NOT IN',
  'NOTLIKE',
  'STARTSWITH',
  'ENDSWITH',
  'LIKE',
  'IN',
  '!=',
  '>=',
  '<=',
  '=',
  '>',
  '<',
] as const;

export type QueryOperator = (typeof QUERY_OPERATORS)[number];

/** One `field<OP>value` term. */
export interface QueryTerm {
  field: string;
  op: QueryOperator;
  value: string;
}

/**
 * A parsed query: `groups` are OR'ed (`^NQ`); each group is a list of clauses that are
 * AND'ed; each clause is a list of terms that are OR'ed (`^OR`).
 */
export interface ParsedQuery {
  groups: QueryTerm[][][];
  orderBy: { field: string; desc: boolean }[];
}

/** A query the simulator cannot read. */
export class EncodedQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

const FIELD = /^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?/;

function parseTerm(text: string): QueryTerm {
  const field = FIELD.exec(text)?.[0];
  if (!field) throw new EncodedQueryError(`cannot read condition "${text.slice(0, 60)}"`);
  const rest = text.slice(field.length);
  const op = QUERY_OPERATORS.find((o) => rest.startsWith(o));
  if (!op) throw new EncodedQueryError(`unknown operator in "${text.slice(0, 60)}"`);
  return { field, op, value: rest.slice(op.length) };
}

/**
 * Parses an encoded query.
 *
 * @example
 * ```ts
 * parseEncodedQuery('active=true^priority=1^ORpriority=2^ORDERBYDESCsys_updated_on');
 * ```
 */
export function parseEncodedQuery(query: string): ParsedQuery {
  const parsed: ParsedQuery = { groups: [], orderBy: [] };
  if (query.trim() === '') return parsed;
  for (const groupText of query.split('^NQ')) {
    const group: QueryTerm[][] = [];
    for (const token of groupText.split('^')) {
      if (token === '' || token === 'EQ') continue;
      if (token.startsWith('ORDERBYDESC')) parsed.orderBy.push({ field: token.slice('ORDERBYDESC'.length), desc: true });
      else if (token.startsWith('ORDERBY')) parsed.orderBy.push({ field: token.slice('ORDERBY'.length), desc: false });
      else if (token.startsWith('OR')) {
        const previous = group[group.length - 1];
        if (!previous) throw new EncodedQueryError('^OR without a preceding condition');
        previous.push(parseTerm(token.slice(2)));
      } else group.push([parseTerm(token)]);
    }
    parsed.groups.push(group);
  }
  return parsed;
}

const asNumber = (v: string): number | undefined => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);

/** Compares like the platform: numerically when both sides are numbers, else case-insensitive text. */
export function compareValues(a: string, b: string): number {
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  return a.toLowerCase().localeCompare(b.toLowerCase());
}

/** True when `actual` satisfies one term. String matching is case-insensitive, as on the platform. */
export function matchTerm(actual: string | undefined, term: QueryTerm): boolean {
  if (actual === undefined) return false; // unknown field: matches nothing ("invalid query returns no rows")
  const a = actual.toLowerCase();
  const v = term.value.toLowerCase();
  switch (term.op) {
    case '=':
      return a === v;
    case '!=':
      return a !== v;
    case 'LIKE':
      return a.includes(v);
    case 'NOTLIKE':
      return !a.includes(v);
    case 'STARTSWITH':
      return a.startsWith(v);
    case 'ENDSWITH':
      return a.endsWith(v);
    case 'IN':
      return v.split(',').includes(a);
    case 'NOT IN':
      return !v.split(',').includes(a);
    case 'ISEMPTY':
      return a === '';
    case 'ISNOTEMPTY':
      return a !== '';
    case '<':
      return compareValues(actual, term.value) < 0;
    case '<=':
      return compareValues(actual, term.value) <= 0;
    case '>':
      return compareValues(actual, term.value) > 0;
    case '>=':
      return compareValues(actual, term.value) >= 0;
  }
}

/**
 * Filters and orders `rows`; `read(row, field)` returns a field's internal value (dot-walks
 * included) or `undefined` for an unknown field.
 *
 * A condition on an unknown field makes the query invalid. ServiceNow then drops the invalid part
 * and runs the rest — which may match every record — unless the system property
 * `glide.invalid_query.returns_no_rows` is true, when it returns nothing ("When the invalid query
 * is run, the invalid part of the query condition is dropped, and the results are based on the
 * valid part of the query, which may return all records from the table … You can set the
 * glide.invalid_query.returns_no_rows system property to true to have queries with invalid encoded
 * queries return no records." — ServiceNow, GlideRecord API reference). `isField` tells which
 * fields exist (default: all); `invalidQueryReturnsNoRows` is that property (default false, as on an instance).
 *
 * @example
 * ```ts
 * applyEncodedQuery(rows, parseEncodedQuery('state=1'), (r, f) => r[f]);
 * ```
 */
export function applyEncodedQuery<R>(
  rows: readonly R[],
  query: ParsedQuery,
  read: (row: R, field: string) => string | undefined,
  options: { isField?: (field: string) => boolean; invalidQueryReturnsNoRows?: boolean } = {},
): R[] {
  const { isField } = options;
  const known = (term: QueryTerm): boolean => isField === undefined || isField(term.field);
  const invalid = query.groups.some((group) => group.some((clause) => clause.some((term) => !known(term))));
  if (invalid && options.invalidQueryReturnsNoRows === true) return [];
  // Dropping the invalid part: terms on unknown fields go; a condition left with no term matches everything.
  const groups = invalid ? query.groups.map((group) => group.map((clause) => clause.filter(known)).filter((clause) => clause.length > 0)) : query.groups;
  const matches = (row: R): boolean =>
    groups.length === 0 || groups.some((group) => group.every((clause) => clause.some((term) => matchTerm(read(row, term.field), term))));
  const result = rows.filter(matches);
  if (query.orderBy.length > 0) {
    result.sort((x, y) => {
      for (const { field, desc } of query.orderBy) {
        const c = compareValues(read(x, field) ?? '', read(y, field) ?? '');
        if (c !== 0) return desc ? -c : c;
      }
      return 0;
    });
  }
  return result;
}
