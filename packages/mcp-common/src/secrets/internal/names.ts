const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Secret names are caller-supplied configuration, not user input: a bad one is a programming error. */
export function assertSecretName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name) || name.split('/').includes('..')) {
    throw new TypeError('secret name must be a non-empty path of [A-Za-z0-9._-] segments');
  }
}

/** Copies a KV payload into a frozen string map; non-string values are JSON-encoded. */
export function toSecretValue(data: Record<string, unknown>): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return Object.freeze(out);
}
