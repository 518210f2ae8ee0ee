import { defineConfig } from 'vitest/config';

// Keycloak starts ONCE per run (global setup) and every file shares it: a cold JVM takes tens of seconds.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
