// Starts ONE real Keycloak for the whole run (a cold JVM takes tens of seconds; every file shares it),
// with the committed realm (deploy/keycloak/realm-mcp.json) imported through the admin API. It serves
// plain HTTP on 127.0.0.1 (the identity suite) and, as compose does, HTTPS with the certificate of the
// dev CA job (deploy/certs/dev-ca.sh) on localhost (the production profile suite): Keycloak names the
// issuer after the URL a request came in on, so the two are separate issuers of one server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startKeycloak, type RunningKeycloak } from '@mcp-platform/tooling/keycloak';
import { runDevCa } from '@mcp-platform/tooling/production';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const REALM_FILE = join(ROOT, 'deploy', 'keycloak', 'realm-mcp.json');

declare module 'vitest' {
  export interface ProvidedContext {
    keycloak: { url: string; issuer: string; adminPassword: string; httpsUrl: string; certsDir: string };
  }
}

let keycloak: RunningKeycloak | undefined;
let certsDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const started = Date.now();
  certsDir = mkdtempSync(join(tmpdir(), 'e2e-certs-'));
  const { certificateFile, keyFile } = runDevCa(ROOT, certsDir);
  keycloak = await startKeycloak({ realmFile: REALM_FILE, https: { certificateFile, keyFile } });
  process.stderr.write(`e2e: Keycloak ready with realm ${keycloak.realm} in ${String(Math.round((Date.now() - started) / 1000))} s at ${keycloak.url} and ${String(keycloak.httpsUrl)}\n`);
  project.provide('keycloak', { url: keycloak.url, issuer: keycloak.issuer, adminPassword: keycloak.adminPassword, httpsUrl: keycloak.httpsUrl ?? '', certsDir });
}

export async function teardown(): Promise<void> {
  await keycloak?.stop();
  if (certsDir !== undefined) rmSync(certsDir, { recursive: true, force: true });
}
