import { defineConfig } from 'vitest/config';

/**
 * The one vitest configuration of every workspace package: tests beside the code
 * (`src/**\/*.test.ts`, integration tests `*.int.test.ts`) and in `test/`; forks
 * (real servers started per file); generous hook timeouts for starting them.
 */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
