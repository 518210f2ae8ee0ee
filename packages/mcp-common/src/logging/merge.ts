import type { LogFields } from './types.ts';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Error);
}

/**
 * Merges ECS-shaped nested objects (`{ event: { action } }` + `{ event: { outcome } }`).
 *
 * @example
 * ```ts
 * deepMerge({ event: { module: 'authz' } }, { event: { action: 'decide' } }); // { event: { module: 'authz', action: 'decide' } }
 * ```
 */
export function deepMerge(a: LogFields, b: LogFields): LogFields {
  const out: LogFields = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

/**
 * Nests a line's dotted top-level keys (`service.name`, `event.dataset`… as `ecs-winston-format`
 * writes them) into objects, so each line has one `event`/`service` object; a value already
 * nested there wins. Only `log.level` and `ecs.version` stay dotted, as ECS logging keeps them.
 *
 * @example
 * ```ts
 * nestDotted({ 'service.name': 'svc', 'log.level': 'info' }); // { 'log.level': 'info', service: { name: 'svc' } }
 * ```
 */
export function nestDotted(rec: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(rec)) {
    if (!key.includes('.') || key === 'log.level' || key === 'ecs.version') continue;
    const value = rec[key];
    delete rec[key];
    const path = key.split('.');
    let node = rec;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      node = (typeof next === 'object' && next !== null ? next : (node[part] = {})) as Record<string, unknown>;
    }
    const leaf = path[path.length - 1] as string;
    node[leaf] ??= value;
  }
  return rec;
}
