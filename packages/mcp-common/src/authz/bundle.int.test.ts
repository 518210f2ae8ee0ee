import { POLICY_BUNDLE } from '@mcp-platform/policies';
import { startAll, startOpa, type RunningOpa } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS, CORE, POLICY_DIR, agreementTable, authenticated, input } from './inputs.fixture.ts';
import type { PolicyInput, ToolAction } from './types.ts';

/**
 * The optimized bundle every OPA server loads (`policies/dist/opa-bundle.tar.gz`, `opa build -O=2`)
 * decides exactly like the policy sources it was built from (`policies/mcp`, which `opa test` checks):
 * the same result object — allow, every reason, the step-up demand — for each decision path the
 * services ask, on a corpus of ordinary, hostile and malformed inputs.
 */
const PATHS = ['mcp/authz/decision', 'mcp/proxy/decision', 'mcp/gateway/decision'] as const;
const GROUPS = [['admin'], ['network-engineers'], ['service-desk'], ['developers'], ['change-approvers'], ['network-engineers', 'change-approvers'], [], ['unknown']];
const SERVERS = ['network', 'itsm', 'github', 'analysis', 'rest-api-proxy', 'nowhere'];
const ACTIONS: ToolAction[] = ['read', 'write', 'execute'];

/** Tool calls whose arguments or resource the policy looks at (one per rule family), asked on every server. */
const CALLS: Partial<PolicyInput>[] = [
  { tool: 'get_device', arguments: { device_id: 'dev-1' } },
  { tool: 'deploy_template', arguments: { template_id: 'tpl-1', device_ids: ['dev-1', 'dev-3'] }, resource: { devices: [CORE, ACCESS] } },
  { tool: 'start_deployment_workflow', arguments: { device_ids: ['dev-3'], change_type: 'normal' }, resource: { devices: [ACCESS] } },
  { tool: 'template_deployment_workflow', arguments: { change_type: 'standard', device_ids: ['dev-1'] }, resource: { devices: [CORE] } },
  { tool: 'approve_deployment_workflow', arguments: { workflow_id: 'wf-1' }, resource: { requester: 'alice' } },
  { tool: 'approve_deployment', arguments: { workflow_id: 'wf-1' }, resource: { requester: 'bob' } },
  { tool: 'tasks/update', arguments: { taskId: 't-1' }, resource: { requester: 'bob' } },
  { tool: 'tasks/get', arguments: { taskId: 't-1' }, resource: { requester: 'alice' } },
  { tool: 'create_change_request', arguments: { type: 'standard', standard_template: 'not-approved', short_description: 'x' } },
  { tool: 'create_change_request', arguments: { type: 'emergency', short_description: 'x' } },
  { tool: 'transition_change_request', arguments: { number: 'CHG1', state: 'scheduled' }, resource: { change: { std_template: 'nope', type: 'standard' } } },
  { tool: 'approve_change_request', arguments: { number: 'CHG1' } },
  { tool: 'create_incident', arguments: { short_description: 'x', impact: 1, urgency: 1 } },
  { tool: 'update_incident', arguments: { number: 'INC1', impact: 1, urgency: 1 }, resource: { incident: { impact: 3, urgency: 3 } } },
  { tool: 'create_issue', arguments: { owner: 'acme-apps', repo: 'r', title: 't' } },
  { tool: 'commit_file', arguments: { owner: 'acme-apps', repo: 'r', branch: 'main', path: 'a', content: 'b' }, resource: { repository: { default_branch: 'main' } } },
  { tool: 'commit_file', arguments: { owner: 'evil-org', repo: 'r', branch: 'feature', path: 'a', content: 'b' } },
  { tool: 'run_show_command', arguments: { command: 'show version | include x', device_ids: ['dev-1'] }, resource: { devices: [CORE] } },
  { tool: 'mcp_gateway', arguments: {}, resource: {} },
];

function corpus(): PolicyInput[] {
  const out: PolicyInput[] = [...agreementTable()];
  for (const groups of GROUPS)
    for (const server of SERVERS)
      for (const action of ACTIONS) {
        out.push(input(groups, server, action));
        for (const call of CALLS) out.push(input(groups, server, action, call));
      }
  // step-up variants of the high-risk calls: weak, stale, amr-only, missing
  for (const call of CALLS.slice(1, 6))
    for (const [acr, age] of [['pwd', 10], ['mfa', 5000], [undefined, undefined], ['gold', 1]] as const) {
      const base = input(['admin'], 'network', 'write', call);
      const { acr: _acr, auth_age_seconds: _age, auth_time: _time, ...subject } = base.subject;
      out.push(authenticated({ ...base, subject: { ...subject, amr: ['pwd', 'otp'] } }, acr, age));
    }
  // malformed: non-array groups, missing subject, non-object input
  out.push({ ...input(['admin'], 'network', 'read'), subject: { id: 'x', groups: 'admin', scopes: 'mcp:tools', client_id: 'c' } } as unknown as PolicyInput);
  out.push({ server: 'network', tool: 'get_device', action: 'read' } as unknown as PolicyInput);
  out.push([1, 2, 3] as unknown as PolicyInput);
  return out;
}

async function ask(opa: RunningOpa, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${opa.url}/v1/data/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: body }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { result?: unknown }).result;
}

describe('the optimized OPA bundle decides like the policy sources', () => {
  let source: RunningOpa;
  let bundle: RunningOpa;

  beforeAll(async () => {
    [source, bundle] = await startAll([startOpa({ policyDir: POLICY_DIR }), startOpa({ bundle: POLICY_BUNDLE })]);
  });
  afterAll(async () => {
    await Promise.all([source?.stop(), bundle?.stop()]);
  });

  it.each(PATHS)('%s: the same result on every input of the corpus', async (path) => {
    const inputs = corpus();
    expect(inputs.length).toBeGreaterThan(1_000);
    let allowed = 0;
    const mismatches: string[] = [];
    for (let at = 0; at < inputs.length; at += 16) {
      await Promise.all(
        inputs.slice(at, at + 16).map(async (i) => {
          const [fromSource, fromBundle] = await Promise.all([ask(source, path, i), ask(bundle, path, i)]);
          if (JSON.stringify(fromSource) !== JSON.stringify(fromBundle)) mismatches.push(`${JSON.stringify(i)}\n  source: ${JSON.stringify(fromSource)}\n  bundle: ${JSON.stringify(fromBundle)}`);
          if ((fromSource as { allow?: unknown } | undefined)?.allow === true) allowed++;
        }),
      );
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
    // The corpus exercises both outcomes on every path (a corpus of denies would prove little).
    expect(allowed).toBeGreaterThan(0);
    expect(allowed).toBeLessThan(inputs.length);
  });

  it('masks decision logs with the same policy (system/log/mask is in the bundle)', async () => {
    const event = { input: { arguments: { token: 'x' } } };
    expect(await ask(bundle, 'system/log/mask', event)).toEqual(await ask(source, 'system/log/mask', event));
    expect(await ask(bundle, 'system/log/mask', event)).toEqual(['/input/arguments']);
  });
});
