import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { findOpa } from '@mcp-platform/tooling/opa';
import { OPA_SERVER_ENV, OPA_SERVER_FLAGS } from '@mcp-platform/tooling/opa-server';
import { readCompose, repoPath } from './repo.ts';

/**
 * Runs the real OPA (pinned, `pnpm tools ensure`) with exactly the arguments of
 * the compose `opa` service, its container paths mapped to the repository, and
 * asks it the decision the services ask.
 */
const opaService = readCompose().services['opa']!;
const command = opaService.command as string[];
const environment = (opaService.environment ?? {}) as Record<string, string>;
const mounts = (opaService.volumes as string[]).map((v) => v.split(':') as [string, string, string?]);
const toRepo = (arg: string) => {
  for (const [host, container] of mounts) if (arg === container || arg.startsWith(`${container}/`)) return repoPath(host.replace(/^\.\//, '')) + arg.slice(container.length);
  return arg;
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

let proc: ChildProcess;
let url: string;
let output = '';

beforeAll(async () => {
  const opa = findOpa();
  if (opa === undefined) throw new Error('OPA is not installed: run `pnpm tools ensure`');
  const port = await freePort();
  const args = command.map((a) => (a === '0.0.0.0:8181' ? `127.0.0.1:${String(port)}` : toRepo(a)));
  proc = spawn(opa, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...environment } });
  proc.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  url = `http://127.0.0.1:${String(port)}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/health?bundles`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`OPA did not become healthy:\n${output}`);
});
afterAll(() => {
  proc?.kill();
});

describe('compose opa service', () => {
  it('mounts policies/mcp and the config that exist, and serves them as a bundle', () => {
    expect(command).toContain('--bundle');
    expect(command).toContain('--config-file');
  });

  it('runs OPA as every deployment does (tooling/opa-server): the built bundle, its flags, its GC settings', () => {
    expect(mounts.find(([, container]) => container === command[command.indexOf('--bundle') + 1])?.[0]).toBe('./policies/dist/opa-bundle.tar.gz');
    const flags = command.join(' ');
    for (let i = 0; i < OPA_SERVER_FLAGS.length; i += 2) expect(flags).toContain(OPA_SERVER_FLAGS.slice(i, i + 2).join(' '));
    expect(environment).toEqual(OPA_SERVER_ENV);
  });

  it('Kubernetes: the generated OPA Deployment carries the same flags and GC settings', () => {
    const docs = readFileSync(repoPath('deploy/k8s/base/opa.yaml'), 'utf8').split(/^---$/m).map((d) => parse(d) as { kind?: string; spec?: { template?: { spec?: { containers?: { args?: string[]; env?: { name: string; value: string }[] }[] } } } } | null);
    const container = docs.find((d) => d?.kind === 'Deployment')?.spec?.template?.spec?.containers?.[0];
    const flags = (container?.args ?? []).join(' ');
    for (let i = 0; i < OPA_SERVER_FLAGS.length; i += 2) expect(flags).toContain(OPA_SERVER_FLAGS.slice(i, i + 2).join(' '));
    expect(Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]))).toEqual(OPA_SERVER_ENV);
  });

  it('logs no access line per request (decision logs are the per-decision record)', async () => {
    const input = { subject: { id: 'nina', groups: [], scopes: ['mcp:tools'], client_id: 'agent-x' }, server: 'network', tool: 'list_devices', action: 'read', arguments: {}, context: { request_id: 'r-access', time: '2026-11-22T10:00:00Z' } };
    const res = await fetch(`${url}/v1/data/mcp/authz/decision`, { method: 'POST', body: JSON.stringify({ input }), headers: { 'content-type': 'application/json' } });
    expect(res.ok).toBe(true);
    for (let i = 0; i < 100 && !output.includes('"r-access"'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain('"r-access"'); // its decision log line
    expect(output).not.toContain('Received request');
    expect(output).not.toContain('Sent response');
  });

  it('answers the decision the services ask, from the bundle (allow and deny)', async () => {
    const ask = async (groups: string[]) => {
      const input = { subject: { id: 'nina', groups, scopes: ['mcp:tools'], client_id: 'agent-x' }, server: 'network', tool: 'list_devices', action: 'read', arguments: {}, context: { request_id: 'r1', time: '2026-11-22T10:00:00Z' } };
      const res = await fetch(`${url}/v1/data/mcp/authz/decision`, { method: 'POST', body: JSON.stringify({ input }), headers: { 'content-type': 'application/json' } });
      return ((await res.json()) as { result: { allow: boolean } }).result;
    };
    expect((await ask(['network-engineers'])).allow).toBe(true);
    expect((await ask([])).allow).toBe(false);
  });

  it('writes decision logs on stdout (decision_logs.console)', async () => {
    for (let i = 0; i < 100 && !output.includes('"decision_id"'); i++) await new Promise((r) => setTimeout(r, 100));
    const line = output.split('\n').find((l) => l.includes('"decision_id"'));
    expect(line).toBeDefined();
    const entry = JSON.parse(line!) as { path: string; input: { tool: string }; labels: Record<string, string> };
    expect(entry.path).toBe('mcp/authz/decision');
    expect(entry.input.tool).toBe('list_devices');
    expect(entry.labels['environment']).toBe('compose');
  });
});

describe('decision logs never carry tool arguments', () => {
  it('compose: a secret in the arguments is erased from the decision log', async () => {
    const secret = 'ghp_DECISIONLOGn0tAr3alT0k3n9876';
    const input = { subject: { id: 'nina', groups: ['network-engineers'], scopes: ['mcp:tools'], client_id: 'agent-x' }, server: 'network', tool: 'get_device', action: 'read', arguments: { device_id: secret }, context: { request_id: 'r2', time: '2026-11-22T10:00:00Z' } };
    const res = await fetch(`${url}/v1/data/mcp/authz/decision`, { method: 'POST', body: JSON.stringify({ input }), headers: { 'content-type': 'application/json' } });
    expect(res.ok).toBe(true);
    const logged = () => output.split('\n').find((l) => l.includes('"decision_id"') && l.includes('"request_id":"r2"'));
    for (let i = 0; i < 100 && logged() === undefined; i++) await new Promise((r) => setTimeout(r, 100));
    const entry = JSON.parse(logged()!) as { erased?: string[]; input: Record<string, unknown> };
    expect(entry.erased).toContain('/input/arguments');
    expect(entry.input['arguments']).toBeUndefined();
    expect(output).not.toContain(secret);
  });

  it('Kubernetes: the OPA config masks with the bundle\'s system.log.mask policy', () => {
    const config = parse(readFileSync(repoPath('deploy/k8s/base/opa-config.yaml'), 'utf8')) as { decision_logs?: { mask_decision?: string } };
    expect(config.decision_logs?.mask_decision).toBe('/system/log/mask');
    expect(readFileSync(repoPath('policies/mcp/decision_log.rego'), 'utf8')).toMatch(/^package system\.log$/m);
  });
});
