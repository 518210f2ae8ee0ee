import { readFileSync } from 'node:fs';
import { MemoryLogger, startOpa, type RunningOpa } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizerFromConfig } from './from-config.ts';
import { ACCESS, CORE, MATRIX, WASM_PATH, POLICY_DIR, agreementTable, authenticated, deploy, input } from './inputs.fixture.ts';
import { createOpaAuthorizer } from './opa.ts';
import type { Authorizer } from './types.ts';
import { createWasmAuthorizer } from './wasm.ts';

describe('createWasmAuthorizer with the committed build (policies/dist)', () => {
  let wasm: Authorizer;
  beforeAll(() => {
    wasm = createWasmAuthorizer({ wasm: WASM_PATH });
  });
  afterAll(() => wasm.close());

  it('loads the module and data.json beside it', async () => {
    expect(await wasm.ready()).toBe(true);
  });

  it.each(MATRIX)('groups %j on %s may %s: %s', async (groups, server, action, allowed) => {
    expect((await wasm.decide(input(groups, server, action))).allow).toBe(allowed);
  });

  it('applies the CORE rule', async () => {
    expect((await wasm.decide(deploy(['network-engineers'], [ACCESS]))).allow).toBe(true);
    expect(await wasm.decide(deploy(['network-engineers'], [CORE]))).toEqual({
      allow: false,
      reasons: ['deploying to CORE devices requires group admin: core-sw-01'],
    });
  });

  it('asks for a step-up (acr mfa within 900 s) on a CORE deploy by an admin who signed in with a password only', async () => {
    const challenge = { acrValues: ['mfa'], maxAgeSeconds: 900 };
    expect(await wasm.decide(authenticated(deploy(['admin'], [CORE]), 'pwd', 60))).toEqual({
      allow: false,
      reasons: ['step-up authentication required (deploying to CORE devices): authenticate with acr mfa within the last 900 s'],
      stepUp: challenge,
    });
    expect((await wasm.decide(authenticated(deploy(['admin'], [CORE]), 'mfa', 901))).stepUp).toEqual(challenge);
    expect(await wasm.decide(authenticated(deploy(['admin'], [CORE]), 'mfa', 60))).toEqual({ allow: true, reasons: ['granted by group admin'] });
    // Denied for another reason too: no challenge (a stronger login would not help).
    expect((await wasm.decide(authenticated(deploy(['network-engineers'], [CORE]), 'pwd', 60))).stepUp).toBeUndefined();
  });

  it('accepts the module as bytes and data as an object', async () => {
    const data = JSON.parse(readFileSync(WASM_PATH.replace(/authz\.wasm$/, 'data.json'), 'utf8')) as Record<string, unknown>;
    const a = createWasmAuthorizer({ wasm: readFileSync(WASM_PATH), data });
    expect((await a.decide(input(['service-desk'], 'network', 'read'))).allow).toBe(true);
    // Without data there are no grants: everything is denied (fail closed), but the engine works.
    const noData = createWasmAuthorizer({ wasm: new Uint8Array(readFileSync(WASM_PATH)) });
    expect(await noData.decide(input(['admin'], 'network', 'read'))).toEqual({
      allow: false,
      reasons: ['no group of the subject grants read on server network'],
    });
  });

  it('fails closed when the module cannot be loaded', async () => {
    const log = new MemoryLogger();
    const broken = createWasmAuthorizer({ wasm: new Uint8Array([0, 1, 2, 3]), logger: log });
    expect(await broken.ready()).toBe(false);
    expect(await broken.decide(input(['admin'], 'network', 'read'))).toEqual({
      allow: false,
      reasons: ['policy engine unavailable'],
      error: 'ERR_AUTHZ_UNAVAILABLE',
    });
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    const missing = createWasmAuthorizer({ wasm: '/nonexistent/authz.wasm' });
    expect((await missing.decide(input(['admin'], 'network', 'read'))).error).toBe('ERR_AUTHZ_UNAVAILABLE');
    const wrongEntry = createWasmAuthorizer({ wasm: WASM_PATH, entrypoint: 'mcp/authz/other' });
    expect(await wrongEntry.ready()).toBe(false);
  });
});

describe('Wasm and the OPA server agree', () => {
  let opa: RunningOpa;
  let server: Authorizer;
  let wasm: Authorizer;
  beforeAll(async () => {
    opa = await startOpa({ policyDir: POLICY_DIR });
    server = createOpaAuthorizer({ url: opa.url });
    wasm = createWasmAuthorizer({ wasm: WASM_PATH });
  });
  afterAll(async () => {
    await server.close();
    await wasm.close();
    await opa.stop();
  });

  it.each(agreementTable().map((i, n) => [n, i] as const))('on input #%i', async (_n, i) => {
    const [fromServer, fromWasm] = await Promise.all([server.decide(i), wasm.decide(i)]);
    expect(fromServer.error).toBeUndefined();
    expect(fromWasm).toEqual(fromServer);
  });
});

describe('the REST proxy rule (entrypoint mcp/proxy/decision) in Wasm and on the OPA server', () => {
  let opa: RunningOpa;
  let server: Authorizer;
  let wasm: Authorizer;
  beforeAll(async () => {
    opa = await startOpa({ policyDir: POLICY_DIR });
    server = createOpaAuthorizer({ url: opa.url, path: 'mcp/proxy/decision' });
    wasm = createWasmAuthorizer({ wasm: WASM_PATH, entrypoint: 'mcp/proxy/decision' });
  });
  afterAll(async () => {
    await server.close();
    await wasm.close();
    await opa.stop();
  });

  const proxyInput = (groups: string[], scopes = ['mcp:tools'], server_ = 'rest-api-proxy') => ({
    ...input(groups, server_, 'read'),
    subject: { id: 'u', groups, scopes, client_id: 'c' },
    tool: 'list_tools',
  });
  it.each([
    [['service-desk'], ['mcp:tools'], 'rest-api-proxy', true],
    [['developers'], ['mcp:tools'], 'rest-api-proxy', true],
    [[], ['mcp:tools'], 'rest-api-proxy', false],
    [['contractors'], ['mcp:tools'], 'rest-api-proxy', false],
    [['admin'], ['openid'], 'rest-api-proxy', false],
    [['admin'], ['mcp:tools'], 'network', false],
  ] as const)('groups %j scopes %j on %s: allow=%s, and both engines agree', async (groups, scopes, srv, allowed) => {
    const i = proxyInput([...groups], [...scopes], srv);
    const [fromServer, fromWasm] = await Promise.all([server.decide(i), wasm.decide(i)]);
    expect(fromServer.error).toBeUndefined();
    expect(fromWasm).toEqual(fromServer);
    expect(fromWasm.allow).toBe(allowed);
  });
});

describe('createAuthorizerFromConfig', () => {
  const base = { AUTHZ_MODE: 'wasm', OPA_URL: 'http://127.0.0.1:8181', OPA_TIMEOUT_MS: 1000, AUTHZ_CACHE_TTL_MS: 0 } as const;

  it('composes wasm → cache → audit, auditing cached decisions too; the list view is cached but not audited', async () => {
    const audit = new MemoryLogger();
    const authz = createAuthorizerFromConfig({ ...base, OPA_WASM_PATH: WASM_PATH, AUTHZ_CACHE_TTL_MS: 60_000 }, { audit });
    expect(await authz.call.ready()).toBe(true);
    const q = input(['network-engineers'], 'network', 'write');
    expect((await authz.call.decide(q)).allow).toBe(true);
    expect((await authz.call.decide(q)).allow).toBe(true);
    expect((await authz.list.decide(q)).allow).toBe(true);
    expect(audit.audits('authz-decision')).toHaveLength(2);
    await authz.close();
  });

  it('uses the committed Wasm build by default, an OPA server in mode opa, and another entrypoint when asked', async () => {
    const audit = new MemoryLogger();
    const byDefault = createAuthorizerFromConfig(base, { audit });
    expect((await byDefault.call.decide(input(['admin'], 'itsm', 'execute'))).allow).toBe(true);
    await byDefault.close();

    const opa = await startOpa({ policyDir: POLICY_DIR });
    const viaOpa = createAuthorizerFromConfig({ ...base, AUTHZ_MODE: 'opa', OPA_URL: opa.url }, { audit });
    const proxyRule = createAuthorizerFromConfig({ ...base, AUTHZ_MODE: 'opa', OPA_URL: opa.url }, { audit, entrypoint: 'mcp/proxy/decision' });
    try {
      expect(await viaOpa.call.ready()).toBe(true);
      expect((await viaOpa.call.decide(input(['developers'], 'network', 'read'))).allow).toBe(false);
      // The proxy's own rule lets any grouped caller use the proxy, unlike the network policy for developers.
      expect((await proxyRule.list.decide(input(['developers'], 'rest-api-proxy', 'read'))).allow).toBe(true);
    } finally {
      await viaOpa.close();
      await proxyRule.close();
      await opa.stop();
    }
    expect(audit.audits('authz-decision').map((e) => e.type)).toEqual([['allowed'], ['denied']]);
  });

  it('rejects an unknown mode', () => {
    expect(() => createAuthorizerFromConfig({ ...base, AUTHZ_MODE: 'magic' as 'opa' }, { audit: new MemoryLogger() })).toThrow(TypeError);
  });
});
