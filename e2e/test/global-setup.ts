// Starts ONE real Keycloak for the whole run (a cold JVM takes tens of seconds; every file shares it),
// with the committed realm (deploy/keycloak/realm-mcp.json) imported through the admin API.
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startKeycloak, type RunningKeycloak } from '@mcp-platform/test-support/keycloak';

export const REALM_FILE = fileURLToPath(new URL('../../deploy/keycloak/realm-mcp.json', import.meta.url));

declare module 'vitest' {
  export interface ProvidedContext {
    keycloak: { url: string; issuer: string; adminPassword: string };
  }
}

let keycloak: RunningKeycloak | undefined;

export async function setup(project: TestProject): Promise<void> {
  const started = Date.now();
  keycloak = await startKeycloak({ realmFile: REALM_FILE });
  process.stderr.write(`e2e: Keycloak ready with realm ${keycloak.realm} in ${String(Math.round((Date.now() - started) / 1000))} s at ${keycloak.url}\n`);
  project.provide('keycloak', { url: keycloak.url, issuer: keycloak.issuer, adminPassword: keycloak.adminPassword });
}

export async function teardown(): Promise<void> {
  await keycloak?.stop();
}
