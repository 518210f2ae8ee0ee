// The harness's own promise: a start-up that fails halfway leaves nothing running. The proxy's configuration
// is read last, after the IdP, OPA, the simulators and mcp-network are up; a bad variable fails it there, and
// every one of them must be stopped before the error reaches the caller (whose afterAll never gets a harness).
import { runningResources } from '@mcp-platform/test-support';
import { describe, expect, it } from 'vitest';
import { startProxyHarness } from './harness.ts';

describe('startProxyHarness', () => {
  it('stops what it started when start-up fails halfway: no orphan opa, MCP server or listening IdP', async () => {
    const before = await runningResources();
    await expect(startProxyHarness({ backends: ['network'], env: { LOG_LEVEL: 'loud' } })).rejects.toThrow(/LOG_LEVEL/);
    expect(await runningResources()).toEqual(before);
  }, 180_000);
});
