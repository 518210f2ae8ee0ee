// Test-only: policy inputs shared by the authz tests (not exported from the package).
import type { PolicyInput, ToolAction } from './types.ts';

export { POLICY_DIR, WASM_PATH } from '@mcp-platform/policies';

export function input(
  groups: string[],
  server: string,
  action: ToolAction,
  extra: Partial<PolicyInput> = {},
): PolicyInput {
  return {
    // Signed in strongly and recently unless a test says otherwise (the step-up rules are tested on their own).
    subject: { id: 'alice', groups, scopes: ['mcp:tools'], client_id: 'agent-x', acr: 'mfa', auth_time: 1_764_719_940, auth_age_seconds: 60 },
    server,
    tool: 'some_tool',
    action,
    arguments: {},
    context: { request_id: 'req-1', time: '2026-11-22T10:00:00Z' },
    ...extra,
  };
}

export const CORE = { id: 'dev-1', role: 'CORE', hostname: 'core-sw-01' };
export const ACCESS = { id: 'dev-3', role: 'ACCESS', hostname: 'access-sw-01' };

export function deploy(groups: string[], devices: Record<string, unknown>[], action: ToolAction = 'write'): PolicyInput {
  return input(groups, 'network', action, {
    tool: 'deploy_template',
    arguments: { template_id: 'tpl-1', device_ids: devices.map((d) => d['id']), password: 's3cr3t-value' },
    resource: { devices },
  });
}

/** `input` with the caller's authentication as the servers pass it (acr and the age of auth_time). */
export function authenticated(base: PolicyInput, acr: string | undefined, ageSeconds: number | undefined): PolicyInput {
  const subject = { ...base.subject };
  if (acr !== undefined) subject.acr = acr;
  if (ageSeconds !== undefined) {
    subject.auth_time = 1_764_720_000 - ageSeconds;
    subject.auth_age_seconds = ageSeconds;
  }
  return { ...base, subject };
}

/** [groups, server, action, allowed] */
export const MATRIX: [string[], string, ToolAction, boolean][] = [
  [['admin'], 'network', 'read', true],
  [['admin'], 'network', 'write', true],
  [['admin'], 'network', 'execute', true],
  [['admin'], 'itsm', 'write', true],
  [['network-engineers'], 'network', 'read', true],
  [['network-engineers'], 'network', 'write', true],
  [['network-engineers'], 'network', 'execute', true],
  [['network-engineers'], 'github', 'read', true],
  [['network-engineers'], 'github', 'write', false],
  [['service-desk'], 'itsm', 'write', true],
  [['developers'], 'github', 'write', true],
  [['developers'], 'itsm', 'write', false],
  [['service-desk'], 'network', 'read', true],
  [['service-desk'], 'network', 'write', false],
  [['service-desk'], 'network', 'execute', false],
  [['developers'], 'network', 'read', false],
  [['developers'], 'network', 'write', false],
  [['developers'], 'network', 'execute', false],
  [['unknown-group'], 'network', 'read', false],
  [[], 'network', 'read', false],
];

/** Inputs on which Wasm and the OPA server must agree, including odd ones. */
export function agreementTable(): PolicyInput[] {
  const noScope = input(['admin'], 'network', 'read');
  noScope.subject.scopes = ['openid'];
  return [
    ...MATRIX.map(([g, s, a]) => input(g, s, a)),
    input(['service-desk', 'network-engineers', 'developers'], 'network', 'read'),
    deploy(['network-engineers'], [ACCESS]),
    deploy(['network-engineers'], [ACCESS, CORE, { id: 'dev-9', role: 'core' }, { role: 'CORE' }]),
    deploy(['network-engineers'], [CORE], 'execute'),
    deploy(['admin'], [CORE]),
    // step-up: strong and recent, weak, stale, unknown acr; a GitHub write
    authenticated(deploy(['admin'], [CORE]), 'mfa', 60),
    authenticated(deploy(['admin'], [CORE]), 'pwd', 60),
    authenticated(deploy(['admin'], [CORE]), 'mfa', 901),
    authenticated(deploy(['admin'], [CORE]), 'gold', 1),
    authenticated(input(['developers'], 'github', 'write', { tool: 'create_issue', arguments: { owner: 'acme-apps', repo: 'r', title: 't' } }), 'pwd', 5),
    deploy(['service-desk'], [CORE]),
    deploy(['service-desk'], [CORE], 'read' as ToolAction),
    input(['network-engineers'], 'network', 'write', { resource: { devices: 'core' } }),
    noScope,
    input(['admin'], 'network', 'delete' as ToolAction),
    {} as PolicyInput,
    // mcp-analysis: the command allow-list (regex and string builtins in Wasm) and device scope
    ...['show version', 'show interfaces Gi1/0/24', 'show run', 'conf t', 'show running-config | redirect flash:x', 'show version\nreload', 'ѕhow version', 'show interfaces redirect'].map((command) =>
      runCommand(['network-engineers'], command, [ACCESS]),
    ),
    runCommand(['service-desk'], 'show version', [ACCESS, CORE]),
    runCommand(['admin'], 'show version', [CORE]),
    input(['admin'], 'analysis', 'read', { tool: 'get_config_changes', arguments: { device_id: 'dev-1' } }),
  ];
}

/** A Command Runner call of mcp-analysis. */
export function runCommand(groups: string[], command: string, devices: Record<string, unknown>[]): PolicyInput {
  return input(groups, 'analysis', 'execute', { tool: 'run_show_command', arguments: { command, device_ids: devices.map((d) => d['id']) }, resource: { devices } });
}
