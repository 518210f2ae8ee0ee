/**
 * The metric names a PromQL expression reads — enough PromQL lexing to check that alert
 * rules and dashboards refer only to series the platform exports (no full parser: label
 * matchers, strings, durations, numbers, functions, aggregation clauses and keywords are
 * removed, and what remains are metric names).
 *
 * @example
 * ```ts
 * metricNames('sum by (le) (rate(mcp_http_request_duration_seconds_bucket{service="x"}[5m]))'); // ['mcp_http_request_duration_seconds_bucket']
 * ```
 * @module
 */

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan']);

/** Metric names in `expr`, each once, in order of appearance. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery selectors
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\w+/g, ' '); // dashboard variables
  const names: string[] = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?/g)) {
    const token = m[0];
    if (m[1] !== undefined) continue; // a function call
    if (KEYWORDS.has(token.toLowerCase())) continue;
    if (/^\d/.test(token)) continue;
    const prev = stripped[(m.index ?? 0) - 1];
    if (prev !== undefined && /[0-9.]/.test(prev)) continue; // the unit of a duration or a number (5m, 1e3)
    if (!names.includes(token)) names.push(token);
  }
  return names;
}
