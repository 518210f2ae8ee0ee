import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { environmentOf, readCompose, repoPath, type ComposeService } from './repo.ts';

// ajv-formats is CommonJS; its default export arrives as the module object under NodeNext.
const addFormats = ((addFormatsImport as unknown as { default?: unknown }).default ?? addFormatsImport) as (ajv: Ajv) => Ajv;

/**
 * The Compose Specification JSON schema, as shipped by the dclint package
 * (`schemas/compose.schema.json`, the compose-spec project's schema; pinned by the
 * exact dclint version in package.json).
 */
function composeSchema(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('dclint/package.json');
  const schema = JSON.parse(readFileSync(join(dirname(pkg), 'schemas', 'compose.schema.json'), 'utf8')) as Record<string, unknown>;
  // Draft-07 (ajv's default dialect); its $schema spells the meta-schema URL with https, which ajv does not alias.
  expect(schema['$schema']).toBe('https://json-schema.org/draft-07/schema');
  delete schema['$schema'];
  return schema;
}

const compose = readCompose();
const services = Object.entries(compose.services);
const built = services.filter(([, s]) => s.build !== undefined) as [string, ComposeService & { build: NonNullable<ComposeService['build']> }][];
/** One-shot jobs: run to completion, no health check. */
const JOBS = new Set(services.filter(([, s]) => s.restart === 'no').map(([n]) => n));

/**
 * Services in compose whose source directory has not landed in the repository yet
 * (being built concurrently). Their checks run as soon as the directory exists; a
 * service missing and not listed here fails.
 */
const PENDING_SERVICES = new Set<string>();

/** Variables docker/entrypoint.sh fills from `<NAME>_FILE` at container start. */
const FILE_VARIABLES = ['VAULT_ROLE_ID', 'VAULT_SECRET_ID', 'VAULT_TOKEN', 'OIDC_CLIENT_SECRET', 'PROXY_CLIENT_SECRET'];

/** The environment the process sees: compose's, with `<NAME>_FILE` resolved to a placeholder value. */
function processEnv(svc: ComposeService): Record<string, string> {
  const env = environmentOf(svc);
  for (const name of FILE_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (file !== undefined) {
      env[name] = `<content of ${file}>`;
      delete env[`${name}_FILE`];
    }
  }
  return env;
}

describe('docker-compose.yml', () => {
  it('validates against the Compose Specification JSON schema', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(composeSchema());
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('has every component of the production shape', () => {
    const names = Object.keys(compose.services);
    for (const required of ['keycloak', 'vault', 'vault-init', 'opa', 'temporal', 'redis', 'elasticsearch', 'kibana', 'filebeat', 'mcp-network', 'mcp-itsm', 'mcp-github', 'rest-proxy', 'mcp-gateway', 'deploy-worker']) {
      expect(names).toContain(required);
    }
  });

  it('publishes the local default ports', () => {
    // `[host_ip:]host_port:container_port` → the host port.
    const published = (n: string) => (compose.services[n]?.ports ?? []).map((p) => String(p).split(':').at(-2));
    const expected: Record<string, string> = {
      'mcp-network': '8101', 'mcp-itsm': '8102', 'mcp-github': '8103', 'rest-proxy': '8080', 'mcp-gateway': '8100', opa: '8181', redis: '6379', vault: '8200',
      elasticsearch: '9200', kibana: '5601', 'catalyst-center-sim': '9401', 'servicenow-sim': '9402', 'github-sim': '9403', keycloak: '8443',
    };
    for (const [svc, port] of Object.entries(expected)) expect(published(svc), svc).toContain(port);
    expect(published('temporal')).toEqual(expect.arrayContaining(['7233', '8233']));
    // The Temporal dev server has no authentication: loopback of the host only.
    expect((compose.services['temporal']?.ports ?? []).map(String).every((p) => p.startsWith('127.0.0.1:'))).toBe(true);
  });

  it('puts every service on the one network', () => {
    expect(Object.keys(compose.networks ?? {})).toEqual(['mcp']);
    for (const [name, svc] of services) expect(svc.networks, name).toEqual(['mcp']);
  });

  it('gives every long-running service a health check (image HEALTHCHECK or compose) and every depends_on a known service', () => {
    for (const [name, svc] of services) {
      if (!JOBS.has(name)) {
        const hasImageHealthcheck = svc.build?.dockerfile === 'docker/service.Dockerfile';
        if (name !== 'filebeat') expect((svc.healthcheck !== undefined && svc.healthcheck.disable !== true) || hasImageHealthcheck, `${name} has no health check`).toBe(true);
      }
      const deps = Array.isArray(svc.depends_on) ? {} : (svc.depends_on ?? {});
      for (const [dep, { condition }] of Object.entries(deps)) {
        expect(compose.services[dep], `${name} depends on unknown ${dep}`).toBeDefined();
        if (JOBS.has(dep)) expect(condition, `${name} → ${dep}`).toBe('service_completed_successfully');
        else expect(['service_healthy', 'service_started'], `${name} → ${dep}`).toContain(condition);
      }
    }
  });

  it('marks every credential-looking literal DEV ONLY', () => {
    const lines = readFileSync(repoPath('docker-compose.yml'), 'utf8').split('\n');
    const secretish = /^\s*[A-Z_]*(PASSWORD|SECRET|TOKEN)(_ID)?:\s*\S/;
    const offenders = lines.filter((l) => secretish.test(l) && !l.includes('_FILE:') && !l.trimStart().startsWith('#') && !l.includes('# DEV ONLY'));
    expect(offenders).toEqual([]);
  });

  it('has a Dockerfile for every service that is built, and the build target exists', () => {
    expect(built.length).toBeGreaterThanOrEqual(8);
    for (const [name, svc] of built) {
      const dockerfile = repoPath(svc.build.context, svc.build.dockerfile ?? 'Dockerfile');
      expect(existsSync(dockerfile), `${name}: ${dockerfile}`).toBe(true);
      const target = svc.build.args?.['SERVICE'];
      expect(target, `${name} build arg SERVICE`).toBeDefined();
      if (!existsSync(repoPath(String(target), 'package.json'))) {
        expect(PENDING_SERVICES.has(String(target)), `${name}: ${String(target)} does not exist`).toBe(true);
        continue;
      }
      const entry = svc.build.args?.['ENTRY'] ?? 'src/main.ts';
      if (PENDING_SERVICES.has(String(target)) && !existsSync(repoPath(String(target), entry))) continue;
      expect(existsSync(repoPath(String(target), entry)), `${name}: ${String(target)}/${entry}`).toBe(true);
    }
  });

  const withConfig = built.filter(([, s]) => String(s.build.args?.['SERVICE']).startsWith('services/'));
  it.each(withConfig.map(([n, s]) => [n, String(s.build.args?.['SERVICE'])] as const))(
    '%s: every variable its config schema requires is set, and its cross-field rules pass',
    async (name, dir) => {
      const configFile = repoPath(dir, 'src', 'config.ts');
      if (!existsSync(configFile)) {
        expect(PENDING_SERVICES.has(dir), `${dir}/src/config.ts missing`).toBe(true);
        return;
      }
      const mod = (await import(pathToFileURL(configFile).href)) as { configSchema?: z.ZodType; loadConfig?: (env: Record<string, string>) => unknown };
      expect(mod.configSchema, `${dir} exports configSchema`).toBeDefined();
      const schema = mod.configSchema as z.ZodType;
      const env = processEnv(compose.services[name] as ComposeService);
      // A required variable: the schema rejects the environment without it, naming it.
      const shape = shapeOf(schema);
      const required = Object.keys(shape).filter((key) => !shape[key]!.safeParse(undefined).success);
      for (const key of required) expect(env[key], `${name}: ${key} is required by ${dir}/src/config.ts`).toBeDefined();
      // The whole schema, cross-field rules included, on exactly what compose sets.
      const { parseConfig } = await import('@mcp-platform/mcp-common/config');
      expect(() => parseConfig(name, schema, env)).not.toThrow();
      // Every variable compose sets is one the service reads (typos fail), except the process's own.
      const known = new Set([...Object.keys(shape), 'NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS']);
      expect(Object.keys(env).filter((k) => !known.has(k)), `${name}: variables its config does not read`).toEqual([]);
    },
  );
});

/** The object shape under a config schema (through `superRefine`/`transform` wrappers). */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  let current: unknown = schema;
  for (let i = 0; i < 10; i++) {
    const def = (current as { def?: { type?: string; in?: unknown; schema?: unknown; innerType?: unknown; shape?: unknown } }).def;
    if (def?.type === 'object') return (current as { shape: Record<string, z.ZodType> }).shape;
    current = def?.in ?? def?.schema ?? def?.innerType;
    if (current === undefined) break;
  }
  throw new TypeError('config schema is not an object schema');
}
