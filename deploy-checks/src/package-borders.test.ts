import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoPath } from './repo.ts';

// The repository's own lint configuration, run on code placed at real package paths.
const eslint = new ESLint({ cwd: repoPath() });

async function escapes(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: repoPath(filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'mcp-platform/no-package-escape').map((m) => m.message);
}

describe('packages meet only through their exports (mcp-platform/no-package-escape)', () => {
  it('refuses relative imports, re-exports and dynamic imports that leave the package', async () => {
    const code = [
      "import { x } from '../../../services/mcp-network/src/config.ts';",
      "export { y } from '../../mcp-common/src/errors/index.ts';",
      "export * from '../../../policies/dist/index.ts';",
      "await import('../../../bench/src/run.ts');",
      'export const z = x + y;',
    ].join('\n');
    const found = await escapes('packages/connectors/src/example.ts', code);
    expect(found).toHaveLength(4);
    expect(found[0]).toContain('@mcp-platform/connectors');
  });

  it("refuses the repository root's scripts reaching into another package's sources", async () => {
    const code = ["import { SEED_USERS } from '../packages/sandboxes/src/idp/seed.ts';", "import { run } from '../bench/src/run.ts';", 'export const z = [SEED_USERS, run];'].join('\n');
    expect(await escapes('scripts/example.ts', code)).toHaveLength(2);
    expect(await escapes('scripts/example.ts', "import { SEED_USERS } from '@mcp-platform/sandboxes/idp';\nexport const z = SEED_USERS;")).toEqual([]);
  });

  it('allows relative imports inside the package and package imports through exports', async () => {
    const code = [
      "import { a } from './shared.ts';",
      "import { b } from '../shared.ts';",
      "import { ERROR_CODES } from '@mcp-platform/mcp-common/errors';",
      'export const c = [a, b, ERROR_CODES];',
    ].join('\n');
    expect(await escapes('packages/connectors/src/github/example.ts', code)).toEqual([]);
    expect(await escapes('services/rest-proxy/test/example.ts', "import { h } from './harness.ts';\nexport const x = h;")).toEqual([]);
  });
});
