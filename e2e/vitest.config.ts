import { defineConfig } from 'vitest/config';

// Keycloak starts ONCE per run (global setup) and every file shares it: a cold JVM takes tens of seconds.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One file at a time: the files share Keycloak's realm, and the identity suite rotates its signing
    // key; a service started by another file in that window would meet an unknown kid inside its JWKS
    // refresh cool-down (30 s in the production profile).
    fileParallelism: false,
  },
});
