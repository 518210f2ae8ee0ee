import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import type { Logger } from '../logging/types.ts';
import { parseResult, unavailable } from './decision.ts';
import type { Authorizer, Decision, PolicyInput } from './types.ts';

export interface WasmAuthorizerOptions {
  /** The compiled policy (`opa build -t wasm`), as bytes or a file path. */
  wasm: Uint8Array | string;
  /**
   * Base document (`data`), as an object or a JSON file path. Default: `data.json`
   * beside `wasm` when `wasm` is a path and that file exists, else `{}` (no grants: everything denied).
   */
  data?: Record<string, unknown> | string;
  /** Entrypoint compiled into the module. Default `mcp/authz/decision`. */
  entrypoint?: string;
  /** Where load and evaluation faults are reported (`warn`). */
  logger?: Logger;
}

type LoadedPolicy = Awaited<ReturnType<typeof loadPolicy>>;

async function load(options: WasmAuthorizerOptions): Promise<LoadedPolicy> {
  const bytes = typeof options.wasm === 'string' ? await readFile(options.wasm) : options.wasm;
  let data = options.data;
  if (data === undefined && typeof options.wasm === 'string') {
    const beside = join(dirname(options.wasm), 'data.json');
    if (existsSync(beside)) data = beside;
  }
  const doc: unknown = typeof data === 'string' ? JSON.parse(await readFile(data, 'utf8')) : (data ?? {});
  // Copy into a fresh ArrayBuffer-backed view: the SDK wants a BufferSource.
  const policy = await loadPolicy(new Uint8Array(bytes));
  policy.setData(doc as object);
  const entrypoint = options.entrypoint ?? 'mcp/authz/decision';
  if (!(entrypoint in (policy.entrypoints as Record<string, number>))) {
    throw new Error(`the Wasm module has no entrypoint ${entrypoint}`);
  }
  return policy;
}

/**
 * An {@link Authorizer} that evaluates the compiled policy in-process with
 * `@open-policy-agent/opa-wasm`: the fallback when no OPA server is used.
 * Loading starts at once; `ready()` resolves `true` once loaded. A load or
 * evaluation fault is a deny with `error: 'ERR_AUTHZ_UNAVAILABLE'` (fail closed).
 *
 * @example
 * ```ts
 * const authorizer = createWasmAuthorizer({ wasm: 'policies/dist/authz.wasm' }); // + dist/data.json
 * if (!(await authorizer.ready())) throw new Error('policy failed to load');
 * const decision = await authorizer.decide(input);
 * ```
 */
export function createWasmAuthorizer(options: WasmAuthorizerOptions): Authorizer {
  const entrypoint = options.entrypoint ?? 'mcp/authz/decision';
  let closed = false;
  const loading: Promise<LoadedPolicy | undefined> = load(options).catch((err: unknown) => {
    options.logger?.warn('policy engine unavailable', {
      error: { code: 'ERR_AUTHZ_UNAVAILABLE', message: 'Wasm policy failed to load', cause: err instanceof Error ? err.message : undefined },
    });
    return undefined;
  });

  return {
    async decide(input: PolicyInput): Promise<Decision> {
      const policy = await loading;
      if (policy === undefined || closed) return unavailable();
      try {
        const results = policy.evaluate(input, entrypoint) as { result?: unknown }[];
        const decision = parseResult(results[0]?.result);
        if (decision === undefined) {
          options.logger?.warn('policy engine unavailable', { error: { code: 'ERR_AUTHZ_UNAVAILABLE', message: 'malformed or undefined decision' } });
          return unavailable();
        }
        return decision;
      } catch (err) {
        options.logger?.warn('policy engine unavailable', {
          error: { code: 'ERR_AUTHZ_UNAVAILABLE', message: 'Wasm evaluation failed', cause: err instanceof Error ? err.message : undefined },
        });
        return unavailable();
      }
    },

    async ready(): Promise<boolean> {
      return !closed && (await loading) !== undefined;
    },

    async close(): Promise<void> {
      closed = true;
      await loading;
    },
  };
}
