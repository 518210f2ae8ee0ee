import { SdkError, SdkErrorCode, specTypeSchemas, type CallToolResult, type ListToolsResult, type Tool } from '@modelcontextprotocol/client';

/**
 * Checks one raw 2026-07-28 result the way the SDK `Client` decodes it (its rules, its error
 * classes and messages): a plain object with `resultType: "complete"` (anything else — absent,
 * not a string, `input_required`, another type — is refused), then the SDK's own schema for the
 * method; the value returned is the schema's output without `resultType`. Every refusal is an
 * `SdkError` whose message names the method and what was wrong.
 */
function decode<T>(method: 'tools/call' | 'tools/list', raw: unknown, schema: { '~standard': { validate(v: unknown): unknown } }): T {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SdkError(SdkErrorCode.InvalidResult, `Invalid result for ${method}: not an object`, { method });
  const { resultType, ...rest } = raw as Record<string, unknown>;
  if (resultType === undefined) {
    throw new SdkError(
      SdkErrorCode.InvalidResult,
      `Invalid result for ${method}: missing required resultType — servers implementing protocol revision 2026-07-28 MUST include it (the absent-means-complete bridge applies only to earlier-revision servers)`,
      { method, violation: 'missing-resultType' },
    );
  }
  if (typeof resultType !== 'string') throw new SdkError(SdkErrorCode.InvalidResult, `Invalid result for ${method}: non-string resultType`, { method, resultType });
  if (resultType === 'input_required') {
    const requests = (raw as Record<string, unknown>)['inputRequests'];
    const some = requests !== null && typeof requests === 'object' && !Array.isArray(requests) && Object.keys(requests).length > 0;
    if (!some && typeof (raw as Record<string, unknown>)['requestState'] !== 'string') {
      throw new SdkError(SdkErrorCode.InvalidResult, `Invalid result for ${method}: input_required carries neither inputRequests nor requestState (every input_required result must include at least one of the two)`, {
        method,
        violation: 'input-required-missing-both',
      });
    }
    // The SDK Client has no handler for them either (the platform's client declares no capabilities).
    throw new SdkError(SdkErrorCode.CapabilityNotSupported, `Cannot fulfil the input requests of ${method}: the platform's MCP client declares no client capabilities`, { method });
  }
  if (resultType !== 'complete') throw new SdkError(SdkErrorCode.UnsupportedResultType, `Unsupported result type '${resultType}' for ${method}`, { resultType, method });
  // The fields the 2026-07-28 wire schema requires beyond the era-neutral schema below.
  const wire: string[] = [];
  if (method === 'tools/call' && !Array.isArray(rest['content'])) wire.push('content: expected an array');
  if (method === 'tools/list') {
    const ttl = rest['ttlMs'];
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0) wire.push('ttlMs: expected an integer ≥ 0');
    if (rest['cacheScope'] !== 'public' && rest['cacheScope'] !== 'private') wire.push('cacheScope: expected "public" or "private"');
  }
  if (wire.length > 0) throw new SdkError(SdkErrorCode.InvalidResult, `Invalid result for ${method}: ${wire.join('; ')}`, { method });
  if (method === 'tools/call') {
    const plain = plainCallToolResult(rest);
    if (plain !== undefined) return plain as T;
  }
  const checked = schema['~standard'].validate(rest) as { value?: unknown; issues?: readonly { message: string; path?: readonly unknown[] }[] };
  if (checked.issues) {
    const where = checked.issues.map((i) => `${(i.path ?? []).map((p) => String(typeof p === 'object' && p !== null && 'key' in p ? (p as { key: unknown }).key : p)).join('.') || '<root>'}: ${i.message}`).join('; ');
    throw new SdkError(SdkErrorCode.InvalidResult, `Invalid result for ${method}: ${where}`, { method });
  }
  return checked.value as T;
}

const SERVER_INFO_META = 'io.modelcontextprotocol/serverInfo';
const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
/** How many keys `o` has (`for…in`, without building a key array: the check runs per content block). */
function keyCount(o: Record<string, unknown>): number {
  let n = 0;
  for (const _ in o) n += 1;
  return n;
}

/**
 * The SDK schema's output for the plainest `tools/call` results, without running it (its zod union per
 * content block was about 5 % of the gateway's CPU per forwarded call): a result whose keys are only
 * `content` (text blocks of exactly `type` and `text`), `structuredContent` (any JSON value: the schema
 * takes anything there), `isError` (a boolean) and `_meta` (an object without a `__proto__` key, whose
 * server-info entry, if any, is exactly `{ name, version }` in strings — what every 2026-07-28 server stamps). Every such result is one the schema accepts, and the value built here is what
 * the schema returns for it: a new object with its keys in the schema's order, new text blocks, the same
 * `_meta` entries and `structuredContent`. Anything else — another key, another block type, a block with
 * `annotations` or `_meta`, a value of the wrong type — is `undefined`: the schema decides, and names
 * what is wrong (`tool-results.diff.test.ts` holds both to the schema over valid and hostile results).
 */
function plainCallToolResult(rest: Record<string, unknown>): CallToolResult | undefined {
  for (const key in rest) {
    if (key !== 'content' && key !== 'structuredContent' && key !== 'isError' && key !== '_meta') return undefined;
  }
  const { content, structuredContent, isError, _meta: meta } = rest;
  if (!Array.isArray(content)) return undefined;
  if (isError !== undefined && typeof isError !== 'boolean') return undefined;
  if (meta !== undefined && (!isPlainObject(meta) || Object.hasOwn(meta, '__proto__'))) return undefined;
  // Every 2026-07-28 server stamps its `serverInfo` there; the plain form is `{ name, version }`, both strings.
  const info = meta?.[SERVER_INFO_META];
  if (info !== undefined && (!isPlainObject(info) || typeof info['name'] !== 'string' || typeof info['version'] !== 'string' || keyCount(info) !== 2)) return undefined;
  const blocks: { type: 'text'; text: string }[] = [];
  for (const block of content as unknown[]) {
    if (!isPlainObject(block) || block['type'] !== 'text' || typeof block['text'] !== 'string' || keyCount(block) !== 2) return undefined;
    blocks.push({ type: 'text', text: block['text'] });
  }
  let outMeta: Record<string, unknown> | undefined;
  if (meta !== undefined) {
    // The schema's key first (as the schema orders its output), then the others as they came.
    outMeta = info === undefined ? {} : { [SERVER_INFO_META]: { name: (info as Record<string, unknown>)['name'], version: (info as Record<string, unknown>)['version'] } };
    for (const key in meta) if (key !== SERVER_INFO_META) outMeta[key] = meta[key];
  }
  const out: CallToolResult = outMeta === undefined ? { content: blocks } : { _meta: outMeta, content: blocks };
  if (Object.hasOwn(rest, 'structuredContent')) out.structuredContent = structuredContent as CallToolResult['structuredContent'];
  if (isError !== undefined) out.isError = isError;
  return out;
}

/**
 * A `tools/call` result from the hop, checked strictly (see `decode`): a malformed one is an error.
 *
 * @example
 * ```ts
 * const result = decodeCallToolResult(await sendJsonRpc(target, token, 'tools/call', params, {}, signal));
 * ```
 */
export function decodeCallToolResult(raw: unknown): CallToolResult {
  return decode<CallToolResult>('tools/call', raw, specTypeSchemas.CallToolResult);
}

/**
 * One `tools/list` page from the hop, checked strictly; tools whose `x-mcp-header` declarations
 * break SEP-2243 are left out, as the SDK `Client` leaves them out (their names are returned so
 * the caller can log them).
 *
 * @example
 * ```ts
 * const { page, excluded } = decodeListToolsPage(raw);
 * ```
 */
export function decodeListToolsPage(raw: unknown): { page: ListToolsResult; excluded: { tool: string; reason: string }[] } {
  const page = decode<ListToolsResult>('tools/list', raw, specTypeSchemas.ListToolsResult);
  const excluded: { tool: string; reason: string }[] = [];
  const tools = page.tools.filter((tool: Tool) => {
    const reason = invalidHeaderDeclaration(tool.inputSchema);
    if (reason !== undefined) excluded.push({ tool: tool.name, reason });
    return reason === undefined;
  });
  return { page: tools.length === page.tools.length ? page : { ...page, tools }, excluded };
}

// SEP-2243 (`x-mcp-header` on input schema properties), the rules of the SDK's
// `scanXMcpHeaderDeclarations`, which the SDK does not export: a declaration must sit on a property
// reached only through `properties`, be a non-empty RFC 9110 token, unique case-insensitively, on a
// string, integer or boolean property.
const X_MCP_HEADER = 'x-mcp-header';
const RFC9110_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_TYPES = new Set(['string', 'integer', 'boolean']);
const UNREACHABLE = ['items', 'prefixItems', 'contains', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'propertyNames', 'patternProperties', 'dependentSchemas', 'oneOf', 'anyOf', 'allOf', 'not', 'if', 'then', 'else', '$defs', 'definitions'];
const OBJECT_VALUED = new Set(['patternProperties', 'dependentSchemas', '$defs', 'definitions']);

/** Why `inputSchema`'s `x-mcp-header` declarations are invalid, or `undefined` when they are valid (or absent). */
function invalidHeaderDeclaration(inputSchema: unknown): string | undefined {
  // Fast exit: nearly every schema declares none.
  if (!JSON.stringify(inputSchema ?? null).includes(`"${X_MCP_HEADER}"`)) return undefined;
  const seen = new Map<string, string>();
  const visit = (node: unknown, path: readonly string[], reachable: boolean): string | undefined => {
    if (node === null || typeof node !== 'object') return undefined;
    const schema = node as Record<string, unknown>;
    const at = path.length === 0 ? '<root>' : path.join('.');
    if (X_MCP_HEADER in schema) {
      if (!reachable || path.length === 0) return `${at}: x-mcp-header is only permitted on properties statically reachable via a chain of 'properties' keys`;
      const raw = schema[X_MCP_HEADER];
      if (typeof raw !== 'string' || raw.length === 0) return `${at}: x-mcp-header MUST be a non-empty string`;
      if (!RFC9110_TOKEN.test(raw)) return `${at}: x-mcp-header '${raw}' is not a valid RFC 9110 token`;
      const type = typeof schema['type'] === 'string' ? schema['type'] : undefined;
      if (type === undefined || !HEADER_TYPES.has(type)) return `${at}: x-mcp-header is only permitted on primitive-typed properties (string, integer, boolean); got ${type ?? '<none>'}`;
      const prior = seen.get(raw.toLowerCase());
      if (prior !== undefined) return `x-mcp-header '${raw}' is not case-insensitively unique (also declared as '${prior}')`;
      seen.set(raw.toLowerCase(), raw);
    }
    const properties = schema['properties'];
    if (properties !== null && typeof properties === 'object') {
      for (const [key, child] of Object.entries(properties)) {
        const fault = visit(child, [...path, key], reachable);
        if (fault !== undefined) return fault;
      }
    }
    for (const k of UNREACHABLE) {
      const sub = schema[k];
      if (sub === undefined) continue;
      const branches = Array.isArray(sub) ? sub : sub !== null && typeof sub === 'object' && OBJECT_VALUED.has(k) ? Object.values(sub) : [sub];
      for (const branch of branches) {
        const fault = visit(branch, [...path, `<${k}>`], false);
        if (fault !== undefined) return fault;
      }
    }
    return undefined;
  };
  return visit(inputSchema, [], true);
}
