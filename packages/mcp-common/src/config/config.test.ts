import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, authEnv, authzEnv, httpEnv, list, parseConfig, secretsEnv, serverEnv, withCommonRules } from './index.ts';
import { bool } from './parse.ts';

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

describe('PLATFORM_PROFILE=production refuses dev defaults', () => {
  const server = withCommonRules(z.object(serverEnv(8101)));
  const issuesOf = (env: Record<string, string>) => {
    try {
      parseConfig('mcp-network', server, env);
    } catch (e) {
      if (e instanceof ConfigError) return e.issues;
      throw e;
    }
    return [];
  };
  // What compose gives a server (docker-compose.yml), plus the profile.
  const composeLike = {
    PLATFORM_PROFILE: 'production',
    OIDC_ISSUER: 'https://keycloak:8443/realms/mcp',
    PUBLIC_URL: 'http://mcp-network:8101/mcp',
    VAULT_ADDR: 'http://vault:8200',
    VAULT_AUTH_METHOD: 'approle',
    VAULT_ROLE_ID: 'role-id',
    VAULT_SECRET_ID: 'secret-id',
    ALLOW_DEV_SECRETS: 'false',
    REDIS_URL: 'redis://redis:6379',
    OPA_URL: 'http://opa:8181',
  };

  it('is development by default: the dev defaults start', () => {
    expect(parseConfig('svc', server, {}).PLATFORM_PROFILE).toBe('development');
  });

  it('fails fast on an empty environment, naming every dev default still in place (and never a value)', () => {
    const issues = issuesOf({ PLATFORM_PROFILE: 'production' });
    expect(issues.map((i) => i.variable).sort()).toEqual(['ALLOW_DEV_SECRETS', 'OIDC_ISSUER', 'PUBLIC_URL', 'REDIS_URL', 'VAULT_ADDR']);
    expect(issues.find((i) => i.variable === 'OIDC_ISSUER')?.problem).toMatch(/https/);
    const err = (() => {
      try {
        parseConfig('mcp-network', server, { PLATFORM_PROFILE: 'production' });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.message).toContain('mcp-network');
    expect(err?.message).not.toContain('127.0.0.1:9400');
  });

  it("starts with compose's settings", () => {
    expect(issuesOf(composeLike)).toEqual([]);
  });

  it('refuses each dev setting on its own: http or loopback issuer, loopback public URL, dev secrets, a local secrets file, no Vault, no Redis', () => {
    const without = (k: keyof typeof composeLike) => Object.fromEntries(Object.entries(composeLike).filter(([key]) => key !== k));
    expect(issuesOf({ ...composeLike, OIDC_ISSUER: 'http://keycloak:8080/realms/mcp' }).map((i) => i.variable)).toEqual(['OIDC_ISSUER']);
    expect(issuesOf({ ...composeLike, OIDC_ISSUER: 'http://127.0.0.1:9400' }).map((i) => i.variable)).toEqual(['OIDC_ISSUER']);
    expect(issuesOf({ ...composeLike, PUBLIC_URL: 'http://127.0.0.1:8101/mcp' }).map((i) => i.variable)).toEqual(['PUBLIC_URL']);
    expect(issuesOf({ ...composeLike, PUBLIC_URL: 'http://localhost:8101/mcp' }).map((i) => i.variable)).toEqual(['PUBLIC_URL']);
    expect(issuesOf({ ...composeLike, ALLOW_DEV_SECRETS: 'true' }).map((i) => i.variable)).toEqual(['ALLOW_DEV_SECRETS']);
    expect(issuesOf(without('ALLOW_DEV_SECRETS')).map((i) => i.variable)).toEqual(['ALLOW_DEV_SECRETS']);
    expect(issuesOf({ ...composeLike, LOCAL_SECRETS_FILE: '/tmp/secrets.json' }).map((i) => i.variable)).toEqual(['LOCAL_SECRETS_FILE']);
    expect(issuesOf(without('REDIS_URL')).map((i) => i.variable)).toEqual(['REDIS_URL']);
    const noVault = Object.fromEntries(Object.entries(composeLike).filter(([k]) => !k.startsWith('VAULT_')));
    expect(issuesOf(noVault).map((i) => i.variable)).toEqual(['VAULT_ADDR']);
  });

  it('refuses an unknown profile by name', () => {
    expect(issuesOf({ PLATFORM_PROFILE: 'prod' }).map((i) => i.variable)).toEqual(['PLATFORM_PROFILE']);
  });
});
