import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@mcp-platform/test-support';
import { redactString } from '../logging/redact.ts';
import { SecretNotFoundError, SecretUnavailableError, createSecretProviderFromConfig } from './index.ts';
import { createLocalSecretProvider } from './local-provider.ts';

describe('createLocalSecretProvider', () => {
  let log: MemoryLogger;
  let dir: string;
  beforeEach(async () => {
    log = new MemoryLogger();
    dir = await mkdtemp(join(tmpdir(), 'local-secrets-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('serves embedded secrets as frozen values and audits each read without the value', async () => {
    const secrets = createLocalSecretProvider({ secrets: { github: { token: 'local-ghp-value' } }, audit: log });
    const value = await secrets.get('github');
    expect(value).toEqual({ token: 'local-ghp-value' });
    expect(Object.isFrozen(value)).toBe(true);
    expect(await secrets.ready()).toBe(true);
    expect(log.audits('secret-read')).toEqual([
      expect.objectContaining({ category: ['configuration'], outcome: 'success', fields: { secret: { name: 'github', source: 'local' } } }),
    ]);
    expect(log.text()).not.toContain('local-ghp-value');
  });

  it('rejects unknown names with SecretNotFoundError and bad names with TypeError', async () => {
    const secrets = createLocalSecretProvider({ secrets: {}, audit: log });
    await expect(secrets.get('servicenow')).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(log.audits('secret-read')[0]).toMatchObject({ outcome: 'failure', reason: 'ERR_SECRET_NOT_FOUND' });
    await expect(secrets.get('../etc/passwd')).rejects.toBeInstanceOf(TypeError);
    await expect(secrets.get('')).rejects.toBeInstanceOf(TypeError);
  });

  it('rejects a malformed embedded map at construction', () => {
    expect(() => createLocalSecretProvider({ secrets: { github: 'x' } as never, audit: log })).toThrow(TypeError);
  });

  it('reads a JSON file and re-reads it after invalidate (rotation)', async () => {
    const file = join(dir, 'secrets.json');
    await writeFile(file, JSON.stringify({ servicenow: { username: 'svc', password: 'first-pw' } }));
    const secrets = createLocalSecretProvider({ file, audit: log });
    expect(await secrets.get('servicenow')).toEqual({ username: 'svc', password: 'first-pw' });

    await writeFile(file, JSON.stringify({ servicenow: { username: 'svc', password: 'second-pw' } }));
    expect((await secrets.get('servicenow'))['password']).toBe('first-pw');
    secrets.invalidate('servicenow');
    expect((await secrets.get('servicenow'))['password']).toBe('second-pw');
    expect(log.text()).not.toMatch(/first-pw|second-pw/);
  });

  it('reports a missing file as unavailable and not ready', async () => {
    const secrets = createLocalSecretProvider({ file: join(dir, 'absent.json'), audit: log, logger: log });
    expect(await secrets.ready()).toBe(false);
    const err = await secrets.get('github').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretUnavailableError);
    expect(err).toMatchObject({ reason: 'source-error', message: 'Secret "github" is unavailable: the secret source could not be read and no fresh cached copy exists' });
  });

  it('is unusable after close', async () => {
    const secrets = createLocalSecretProvider({ secrets: { github: { token: 't' } }, audit: log });
    await secrets.close();
    await expect(secrets.get('github')).rejects.toBeInstanceOf(TypeError);
    expect(await secrets.ready()).toBe(false);
  });
});

describe('createSecretProviderFromConfig', () => {
  const none = { VAULT_AUTH_METHOD: 'token', VAULT_K8S_JWT_PATH: '/dev/null', VAULT_KV_MOUNT: 'secret', VAULT_KV_PREFIX: 'mcp/', SECRETS_CACHE_TTL_MS: 60_000, ALLOW_DEV_SECRETS: false } as const;

  it('serves the dev secrets only when allowed, and registers every value it hands out for log redaction', async () => {
    const log = new MemoryLogger();
    expect(() => createSecretProviderFromConfig(none, { logger: log, audit: log })).toThrow(/ALLOW_DEV_SECRETS/);
    const secrets = createSecretProviderFromConfig({ ...none, ALLOW_DEV_SECRETS: true }, { logger: log, audit: log, devSecrets: { github: { token: 'ghp_dev-only-token-value' } } });
    expect(await secrets.get('github')).toEqual({ token: 'ghp_dev-only-token-value' });
    expect(log.lines.some((l) => l.message === 'secrets from local source')).toBe(true);
    expect(redactString('leaked ghp_dev-only-token-value here')).not.toContain('ghp_dev-only-token-value');
  });

  it('uses Vault when VAULT_ADDR is set (never logging its token)', async () => {
    const log = new MemoryLogger();
    const secrets = createSecretProviderFromConfig({ ...none, VAULT_ADDR: 'http://127.0.0.1:1', VAULT_TOKEN: 'hvs.config-token' }, { logger: log, audit: log });
    expect(log.lines.some((l) => l.message === 'secrets from vault')).toBe(true);
    expect(await secrets.ready()).toBe(false); // nothing listens on port 1
    await expect(secrets.get('github')).rejects.toMatchObject({ code: 'ERR_SECRET_UNAVAILABLE', reason: 'unreachable' });
    expect(log.text()).not.toContain('hvs.config-token');
    await secrets.close();
  });
});
