import { readFile } from 'node:fs/promises';
import type { AuditLogger, Logger } from '../logging/types.ts';
import { SecretNotFoundError, SecretUnavailableError } from './errors.ts';
import type { SecretProvider, SecretValue } from './types.ts';
import { assertSecretName, toSecretValue } from './internal/names.ts';
import { auditSecretRead, type SecretReadObserver } from './internal/audit.ts';

/** Where a local provider's secrets come from. */
export type LocalSecretSource =
  | { secrets: Record<string, Record<string, string>> }
  /** A JSON file `{ "<name>": { "<field>": "<value>" } }`, read at first use and again after `invalidate`. */
  | { file: string };

export type LocalSecretProviderOptions = LocalSecretSource & { logger?: Logger; audit: AuditLogger; /** Receives every read (source `local`), e.g. for metrics. */ onRead?: SecretReadObserver };

type Store = ReadonlyMap<string, SecretValue>;

function toStore(raw: unknown): Store {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TypeError('local secrets must be an object of objects');
  const store = new Map<string, SecretValue>();
  for (const [name, fields] of Object.entries(raw as Record<string, unknown>)) {
    assertSecretName(name);
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new TypeError('each local secret must be an object of fields');
    store.set(name, toSecretValue(fields as Record<string, unknown>));
  }
  return store;
}

/**
 * A {@link SecretProvider} over embedded defaults or a JSON file, for local runs and tests. Same
 * contract as the Vault provider: frozen values, `SecretNotFoundError` for unknown names, and a
 * `secret-read` audit event (source `local`) for every read, without the value.
 *
 * @example
 * ```ts
 * const secrets = createLocalSecretProvider({ secrets: { github: { token: 'dev-token' } }, audit });
 * const fromFile = createLocalSecretProvider({ file: './secrets.local.json', audit });
 * ```
 */
export function createLocalSecretProvider(options: LocalSecretProviderOptions): SecretProvider {
  let loaded: Promise<Store> | undefined;
  let closed = false;

  function load(): Promise<Store> {
    if ('secrets' in options) {
      loaded ??= Promise.resolve(toStore(options.secrets));
      return loaded;
    }
    loaded ??= readFile(options.file, 'utf8')
      .then((text) => toStore(JSON.parse(text)))
      .catch((err: unknown) => {
        loaded = undefined;
        throw err;
      });
    return loaded;
  }
  // Embedded secrets are validated at construction: a bad shape is a programming error.
  if ('secrets' in options) void load();

  return {
    async get(name) {
      if (closed) throw new TypeError('secret provider is closed');
      assertSecretName(name);
      const startedNs = process.hrtime.bigint();
      let store: Store;
      try {
        store = await load();
      } catch (err) {
        const error = new SecretUnavailableError(name, 'source-error', { cause: new Error(`local secrets file unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).name})`) });
        auditSecretRead(options.audit, { name, source: 'local', startedNs, error }, options.onRead);
        options.logger?.warn('secret read failed', { secret: { name }, error: { code: error.code, message: error.message } });
        throw error;
      }
      const value = store.get(name);
      if (!value) {
        const error = new SecretNotFoundError(name);
        auditSecretRead(options.audit, { name, source: 'local', startedNs, error }, options.onRead);
        throw error;
      }
      auditSecretRead(options.audit, { name, source: 'local', startedNs }, options.onRead);
      return value;
    },
    invalidate(name) {
      assertSecretName(name);
      if ('file' in options) loaded = undefined;
    },
    async ready() {
      if (closed) return false;
      try {
        await load();
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      closed = true;
    },
  };
}
