import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '@mcp-platform/tooling/fault-proxy';

// The fault injector `pnpm chaos` puts between the services and their dependencies.
let target: Server;
let proxy: FaultProxy;
beforeAll(async () => {
  target = createServer((_req, res) => res.end('pong'));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  proxy = await startFaultProxy((target.address() as AddressInfo).port);
});
afterAll(async () => {
  await proxy.close();
  await new Promise<void>((resolve) => target.close(() => resolve()));
});

const ping = (timeoutMs = 2_000) => fetch(`http://127.0.0.1:${proxy.port}/`, { signal: AbortSignal.timeout(timeoutMs) }).then((r) => r.text());

describe('fault proxy (pnpm chaos)', () => {
  it('passes traffic, refuses it while the dependency is "down", and passes again', async () => {
    expect(await ping()).toBe('pong');
    proxy.set('refuse');
    await expect(ping()).rejects.toThrow();
    proxy.set('pass');
    expect(await ping()).toBe('pong');
  });

  it('holds a request while "hung" and lets it finish when the hang ends', async () => {
    proxy.set('hang');
    const pending = ping(5_000);
    const early = await Promise.race([pending.then(() => 'answered'), new Promise((r) => setTimeout(() => r('still waiting'), 300))]);
    expect(early).toBe('still waiting');
    proxy.set('pass');
    expect(await pending).toBe('pong');
  });
});
