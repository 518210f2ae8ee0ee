import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SEED_IDS } from '@mcp-platform/sandboxes/catalyst-center';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type AnalysisHarness } from './harness.ts';

// A deliberately broken policy that allows every call: the server's own command grammar
// must still refuse smuggled and non-show commands (policy AND code).
const ALLOW_ALL = `package mcp.authz

decision := {"allow": true, "reasons": ["allow-all test policy"]}
`;

let h: AnalysisHarness;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'allow-all-policy-'));
  writeFileSync(join(dir, 'authz.rego'), ALLOW_ALL);
  h = await startHarness({}, dir);
});
afterAll(async () => {
  await h?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('mcp-analysis refuses dangerous commands in code even when the policy allows everything', () => {
  it.each(['configure terminal', 'conf t', 'sh run', 'reload', 'show running-config | redirect flash:x', 'show version\nreload', 'show version; reload', 'ѕhow version', 'show tech-support redirect'])(
    'refuses %j without contacting Catalyst Center',
    async (command) => {
      const before = h.sim.state.analysis.commandRequests.length;
      const client = await h.client('eve');
      const r = (await client.callTool({ name: 'run_show_command', arguments: { command, device_ids: [SEED_IDS.devices.sjc01Core01] } })) as CallToolResult;
      expect(r.isError).toBe(true);
      expect((r._meta?.['io.mcp-platform/error'] as { code?: string }).code).toBe('ERR_VALIDATION');
      expect(r.content[0]?.type === 'text' && r.content[0].text).toMatch(/^command: /);
      expect(h.sim.state.analysis.commandRequests.length).toBe(before);
    },
  );

  it('still runs a plain show command under that policy (the grammar is not a blanket refusal)', async () => {
    const client = await h.client('eve');
    const r = (await client.callTool({ name: 'run_show_command', arguments: { command: 'show clock', device_ids: [SEED_IDS.devices.sjc01Acc01] } })) as CallToolResult;
    expect(r.isError).toBeFalsy();
  });
});
