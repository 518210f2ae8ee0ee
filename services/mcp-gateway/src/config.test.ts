import { backendServers, localUrl, SERVERS } from '@mcp-platform/registry';
import { describe, expect, it } from 'vitest';
import { COMPOSITE_SERVER, DEFAULT_BACKENDS, GATEWAY_ENTRY, loadConfig } from './config.ts';

describe('the gateway configuration', () => {
  it('federates every server of the registry but itself by default, under its registry key', () => {
    const config = loadConfig({});
    const expected = Object.fromEntries(SERVERS.filter((s) => s.federates !== true).map((s) => [s.key, localUrl(s)]));
    expect(config.backends).toEqual(expected);
    expect(DEFAULT_BACKENDS).toEqual(expected);
    expect(Object.keys(config.backends)).not.toContain(GATEWAY_ENTRY.key);
    // A registered server needs no change here: whatever the registry lists beyond the first three is in too.
    expect(Object.keys(config.backends)).toEqual(backendServers().map((s) => s.key));
  });

  it('takes its port and OAuth client from its registry entry', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(GATEWAY_ENTRY.port);
    expect(config.GATEWAY_CLIENT_ID).toBe(GATEWAY_ENTRY.ownerClientId);
    expect(config.publicUrl).toBe(`http://127.0.0.1:${String(GATEWAY_ENTRY.port)}/mcp`);
  });

  it('serves tools/call and tools/list on the fast path unless GATEWAY_FAST_PATH says otherwise, and refuses a non-boolean', () => {
    expect(loadConfig({}).GATEWAY_FAST_PATH).toBe(true);
    expect(loadConfig({ GATEWAY_FAST_PATH: 'false' }).GATEWAY_FAST_PATH).toBe(false);
    expect(() => loadConfig({ GATEWAY_FAST_PATH: 'sometimes' })).toThrow(/GATEWAY_FAST_PATH/);
  });

  it('reads MANAGEMENT_TOKEN (Prometheus scrapes /metrics with it) and refuses a short one', () => {
    expect(loadConfig({}).MANAGEMENT_TOKEN).toBeUndefined();
    expect(loadConfig({ MANAGEMENT_TOKEN: 'a-management-token-of-some-length' }).MANAGEMENT_TOKEN).toBe('a-management-token-of-some-length');
    expect(() => loadConfig({ MANAGEMENT_TOKEN: 'short' })).toThrow(/MANAGEMENT_TOKEN/);
  });

  it('refuses the composite prefix, an underscore, no backend and unreadable JSON, naming the variable', () => {
    expect(() => loadConfig({ GATEWAY_BACKENDS: JSON.stringify({ [COMPOSITE_SERVER]: 'http://127.0.0.1:1/mcp' }) })).toThrow(/GATEWAY_BACKENDS.*composite/s);
    expect(() => loadConfig({ GATEWAY_BACKENDS: JSON.stringify({ my_server: 'http://127.0.0.1:1/mcp' }) })).toThrow(/GATEWAY_BACKENDS.*underscore/s);
    expect(() => loadConfig({ GATEWAY_BACKENDS: '{}' })).toThrow(/GATEWAY_BACKENDS.*at least one backend/s);
    expect(() => loadConfig({ GATEWAY_BACKENDS: '{not json' })).toThrow(/GATEWAY_BACKENDS.*not readable JSON/s);
    expect(() => loadConfig({ TOKEN_EXCHANGE_SCOPES: JSON.stringify({ nowhere: 'mcp:tools' }) })).toThrow(/TOKEN_EXCHANGE_SCOPES.*nowhere/s);
  });

  it('takes several replicas of one server (resource = their common token audience, default the first URL) and refuses an empty or repeated list, naming the backend', () => {
    const urls = ['http://10.0.0.1:8101/mcp', 'http://10.0.0.2:8101/mcp'];
    expect(loadConfig({ GATEWAY_BACKENDS: JSON.stringify({ network: { resource: 'https://mcp-network.example/mcp', urls }, itsm: 'http://127.0.0.1:8102/mcp' }) }).backends).toEqual({
      network: { resource: 'https://mcp-network.example/mcp', urls },
      itsm: 'http://127.0.0.1:8102/mcp',
    });
    expect(loadConfig({ GATEWAY_BACKENDS: JSON.stringify({ network: { urls } }) }).backends).toEqual({ network: { resource: urls[0], urls } });
    expect(() => loadConfig({ GATEWAY_BACKENDS: JSON.stringify({ network: { urls: [] } }) })).toThrow(/GATEWAY_BACKENDS.*network/s);
    expect(() => loadConfig({ GATEWAY_BACKENDS: JSON.stringify({ network: { urls: [urls[0], urls[0]] } }) })).toThrow(/GATEWAY_BACKENDS.*network.*twice/s);
    expect(() => loadConfig({ GATEWAY_BACKENDS: JSON.stringify({ network: { urls: ['ftp://x/mcp'] } }) })).toThrow(/GATEWAY_BACKENDS.*network/s);
  });
});
