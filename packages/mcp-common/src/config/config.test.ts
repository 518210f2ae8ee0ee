import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, authEnv, authzEnv, bool, httpEnv, list, parseConfig, secretsEnv, serverEnv, withCommonRules } from './index.ts';

const schema = withCommonRules(z.object({ ...httpEnv(8101), ...authEnv, ...authzEnv, ...secretsEnv, FLAG: bool(false), NAMES: list() }));

describe('limits and HTTP hardening variables', () => {
  const server = withCommonRules(z.object(serverEnv(8101)));

  it('defaults to bounded timeouts, caps and in-process limits', () => {
    const cfg = parseConfig('svc', server, {});
    expect(cfg.HTTP_HEADERS_TIMEOUT_MS).toBe(15_000);
    expect(cfg.HTTP_REQUEST_TIMEOUT_MS).toBe(30_000);
    expect(cfg.MAX_IN_FLIGHT).toBe(256);
    expect(cfg.CONCURRENCY_PER_PRINCIPAL).toBe(16);
    expect(cfg.REDIS_URL).toBeUndefined();
  });

  it('names a headers timeout longer than the request timeout, a bad REDIS_URL and a zero cap', () => {
    let err: unknown;
    try {
      parseConfig('svc', server, { HTTP_HEADERS_TIMEOUT_MS: '40000', HTTP_REQUEST_TIMEOUT_MS: '30000', REDIS_URL: 'http://127.0.0.1:6379', MAX_IN_FLIGHT: '0' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.variable).sort()).toEqual(['HTTP_HEADERS_TIMEOUT_MS', 'MAX_IN_FLIGHT', 'REDIS_URL']);
  });
});

describe('parseConfig', () => {
  it('applies defaults on an empty environment', () => {
    const cfg = parseConfig('svc', schema, {});
    expect(cfg.PORT).toBe(8101);
    expect(cfg.OIDC_ISSUER).toBe('http://127.0.0.1:9400');
    expect(cfg.OPA_URL).toBe('http://127.0.0.1:8181');
    expect(cfg.OIDC_REQUIRED_SCOPES).toEqual(['mcp:tools']);
    expect(cfg.FLAG).toBe(false);
    expect(cfg.AUTHZ_MODE).toBe('opa');
  });

  it('coerces and trims values, treating empty strings as unset', () => {
    const cfg = parseConfig('svc', schema, { PORT: ' 9000 ', FLAG: 'yes', NAMES: 'a, b,,c', OPA_URL: 'http://opa:8181/', VAULT_ADDR: '' });
    expect(cfg.PORT).toBe(9000);
    expect(cfg.FLAG).toBe(true);
    expect(cfg.NAMES).toEqual(['a', 'b', 'c']);
    expect(cfg.OPA_URL).toBe('http://opa:8181');
    expect(cfg.VAULT_ADDR).toBeUndefined();
  });

  it('names every bad variable and never echoes values', () => {
    let err: unknown;
    try {
      parseConfig('mcp-network', schema, { PORT: 'eighty', OPA_URL: 'ftp://x', AUTHZ_MODE: 'magic', OIDC_CLIENT_SECRET: 'topsecret' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.code).toBe('ERR_CONFIG_INVALID');
    expect(ce.issues.map((i) => i.variable).sort()).toEqual(['AUTHZ_MODE', 'OPA_URL', 'PORT']);
    expect(ce.message).toMatch(/^mcp-network: invalid configuration: /);
    expect(ce.message).not.toContain('topsecret');
    expect(ce.message).not.toContain('eighty');
    expect(ce.issues.find((i) => i.variable === 'PORT')?.problem).not.toBe('is required');
  });

  it('says "is required" only for a variable that is missing', () => {
    const required = z.object({ NEEDED: z.string(), COUNT: z.coerce.number().int() });
    expect(() => parseConfig('svc', required, { COUNT: '3' })).toThrow('svc: invalid configuration: NEEDED: is required');
  });

  it('reads NAME_FILE for an unset NAME, and names an unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'secret_id');
    writeFileSync(file, 'from-file-secret\n');
    const cfg = parseConfig('svc', schema, { VAULT_ADDR: 'http://vault:8200', VAULT_AUTH_METHOD: 'approle', VAULT_ROLE_ID: 'r', VAULT_SECRET_ID_FILE: file });
    expect(cfg.VAULT_SECRET_ID).toBe('from-file-secret');
    const direct = parseConfig('svc', schema, { VAULT_SECRET_ID: 'direct', VAULT_SECRET_ID_FILE: file });
    expect(direct.VAULT_SECRET_ID).toBe('direct');
    expect(() => parseConfig('svc', schema, { VAULT_SECRET_ID_FILE: join(dir, 'missing') })).toThrow(
      'svc: invalid configuration: VAULT_SECRET_ID_FILE: names a file that cannot be read',
    );
    const piped = z.object({ TOKEN: z.string() }).transform((c) => ({ token: c.TOKEN }));
    expect(parseConfig('svc', piped, { TOKEN_FILE: file })).toEqual({ token: 'from-file-secret' });
    // Unrelated *_FILE variables of the environment are none of our business.
    expect(parseConfig('svc', schema, { TF_CLI_CONFIG_FILE: join(dir, 'missing') }).PORT).toBe(8101);
  });

  it('rejects symmetric or none algorithms', () => {
    expect(() => parseConfig('svc', schema, { OIDC_ALGORITHMS: 'RS256,HS256' })).toThrow(/OIDC_ALGORITHMS/);
    expect(() => parseConfig('svc', schema, { OIDC_ALGORITHMS: 'none' })).toThrow(/OIDC_ALGORITHMS/);
  });

  it('enforces cross-field rules for Vault auth methods and introspection', () => {
    expect(() => parseConfig('svc', schema, { VAULT_ADDR: 'http://vault:8200', VAULT_AUTH_METHOD: 'approle', VAULT_ROLE_ID: 'r' })).toThrow(
      /VAULT_SECRET_ID: is required when VAULT_AUTH_METHOD=approle/,
    );
    expect(() => parseConfig('svc', schema, { VAULT_ADDR: 'http://vault:8200' })).toThrow(/VAULT_TOKEN/);
    expect(() => parseConfig('svc', schema, { OIDC_INTROSPECTION_URL: 'http://idp/introspect' })).toThrow(/OIDC_CLIENT_ID/);
    const ok = parseConfig('svc', schema, { VAULT_ADDR: 'http://vault:8200', VAULT_AUTH_METHOD: 'kubernetes', VAULT_K8S_ROLE: 'mcp' });
    expect(ok.VAULT_K8S_ROLE).toBe('mcp');
  });
});
