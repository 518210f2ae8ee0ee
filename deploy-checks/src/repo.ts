/**
 * Paths and readers shared by the deploy checks.
 *
 * @example
 * ```ts
 * const compose = readCompose();
 * Object.keys(compose.services); // ['dev-ca', 'keycloak', …]
 * ```
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of a repository file. */
export const repoPath = (...parts: string[]): string => join(ROOT, ...parts);

/** A compose service, as far as the checks read it. */
export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string; disable?: boolean };
  ports?: (string | number)[];
  restart?: string;
  labels?: Record<string, string> | string[];
  volumes?: (string | Record<string, unknown>)[];
  networks?: string[] | Record<string, unknown>;
  entrypoint?: string | string[];
  command?: string | string[];
}

/** The compose file, parsed with merge keys (`<<`) resolved. */
export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  networks?: Record<string, unknown>;
  volumes?: Record<string, unknown>;
}

/** Reads and parses `docker-compose.yml` (YAML 1.1 merge keys resolved, as Compose does). */
export function readCompose(): ComposeFile {
  return parse(readFileSync(repoPath('docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
}

/** A service's environment as a map of strings (list form `A=b` accepted). */
export function environmentOf(svc: ComposeService): Record<string, string> {
  const out: Record<string, string> = {};
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    for (const item of env) {
      const i = item.indexOf('=');
      if (i > 0) out[item.slice(0, i)] = item.slice(i + 1);
    }
  } else {
    for (const [k, v] of Object.entries(env)) if (v !== null) out[k] = String(v);
  }
  return out;
}

/** Parses a multi-document YAML text into its objects (empty documents dropped). */
export function parseYamlDocuments(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw d.errors[0];
      return d.toJS() as Record<string, unknown> | null;
    })
    .filter((d): d is Record<string, unknown> => d !== null);
}
