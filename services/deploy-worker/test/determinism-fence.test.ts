import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The lint fence around workflow code (eslint.config.js): workflow files are replayed from history,
// so of the workspace they may import only the contract's workflow-safe face.
describe("the deploy worker's determinism fence", () => {
  const worker = fileURLToPath(new URL('../', import.meta.url));
  const lint = async (source: string): Promise<string[]> => {
    const eslint = new ESLint({ cwd: worker });
    const [result] = await eslint.lintText(source, { filePath: `${worker}src/workflows/probe.ts` });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };

  it("lets workflow code import the contract's workflow face, and nothing else of the workspace", async () => {
    expect(await lint("import { approveUpdate } from '@mcp-platform/deployment-contract/workflow';\nexport const u = approveUpdate;\n")).toEqual([]);
    expect(await lint("import { createDeploymentClient } from '@mcp-platform/deployment-contract';\nexport const c = createDeploymentClient;\n")).toHaveLength(1);
    expect(await lint("import { PlatformError } from '@mcp-platform/mcp-common/errors';\nexport const e = PlatformError;\n")).toHaveLength(1);
  }, 30_000);
});
