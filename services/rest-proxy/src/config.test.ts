import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@mcp-platform/mcp-common/config';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKENDS, loadConfig } from './config.ts';

describe('rest-proxy configuration', () => {
  it('defaults to port 8080, the local backends, in-memory rate limits', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(8080);
    expect(c.publicUrl).toBe('http://127.0.0.1:8080');
    expect(c.backends).toEqual(DEFAULT_BACKENDS);
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.PROXY_CLIENT_ID).toBe('rest-proxy');
  });

  it('reads MANAGEMENT_TOKEN (Prometheus scrapes /metrics with it) and refuses a short one', () => {
    expect(loadConfig({}).MANAGEMENT_TOKEN).toBeUndefined();
    expect(loadConfig({ MANAGEMENT_TOKEN: 'a-management-token-of-some-length' }).MANAGEMENT_TOKEN).toBe('a-management-token-of-some-length');
    expect(() => loadConfig({ MANAGEMENT_TOKEN: 'short' })).toThrow(/MANAGEMENT_TOKEN/);
  });

  it('reads backends from PROXY_BACKENDS, then PROXY_BACKENDS_FILE', () => {
    expect(loadConfig({ PROXY_BACKENDS: '{"network":"http://10.0.0.1:8101/mcp"}' }).backends).toEqual({ network: 'http://10.0.0.1:8101/mcp' });
    const dir = mkdtempSync(join(tmpdir(), 'rest-proxy-'));
    const file = join(dir, 'backends.json');
    writeFileSync(file, '{"itsm":"http://10.0.0.2:8102/mcp"}');
    expect(loadConfig({ PROXY_BACKENDS_FILE: file }).backends).toEqual({ itsm: 'http://10.0.0.2:8102/mcp' });
  });

  it('a bad value stops start-up naming the variable', () => {
    const fails = (env: Record<string, string>, name: string) => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(name);
    };
    fails({ PROXY_BACKENDS: '{not json' }, 'PROXY_BACKENDS');
    fails({ PROXY_BACKENDS: '{"Network":"http://x/mcp"}' }, 'PROXY_BACKENDS');
    fails({ PROXY_BACKENDS: '{"network":"ftp://x/mcp"}' }, 'PROXY_BACKENDS');
    fails({ PROXY_BACKENDS_FILE: '/nonexistent/backends.json' }, 'PROXY_BACKENDS_FILE');
    fails({ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL');
    fails({ RATE_LIMIT_PER_SECOND: '0' }, 'RATE_LIMIT_PER_SECOND');
    fails({ TOKEN_EXCHANGE_SCOPES: '["mcp-network"]' }, 'TOKEN_EXCHANGE_SCOPES');
    fails({ TOKEN_EXCHANGE_SCOPES: '{"nosuch":"x"}' }, 'TOKEN_EXCHANGE_SCOPES: names unknown backend(s): nosuch');
  });

  it('TOKEN_EXCHANGE_SCOPES maps backends to the scope requested in their token exchange (none by default)', () => {
    expect(loadConfig({}).exchangeScopes).toEqual({});
    expect(loadConfig({ TOKEN_EXCHANGE_SCOPES: '{"network":"mcp:tools mcp-network"}' }).exchangeScopes).toEqual({ network: 'mcp:tools mcp-network' });
  });

  it('PUBLIC_URL is the resource identifier, without a trailing slash', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://api.example.com/' }).publicUrl).toBe('https://api.example.com');
  });
});
