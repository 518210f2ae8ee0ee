import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterEach, expect, it } from 'vitest';
import { sendJsonRpc } from './json-rpc-hop.ts';

let server: Server | undefined;
let pool: Pool | undefined;
afterEach(async () => {
  await pool?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

it('an answer of an unexpected content type still streaming is refused naming the type, and its abandoned body raises nothing in the caller', async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  try {
    // A broken MCP server: text/plain, the body still coming when the hop gives up on it.
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('not an MCP answer ');
      setTimeout(() => res.end('…the rest'), 200).unref();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${String((server.address() as AddressInfo).port)}/mcp`);
    pool = new Pool(url.origin);
    const target = { url, dispatcher: pool, clientName: 'hop-test', version: '0.0.0' };
    await expect(sendJsonRpc(target, 'token', 'tools/list', {}, {}, AbortSignal.timeout(5_000))).rejects.toThrow(/Unexpected content type: text\/plain/);
    // The destroyed body's AbortError is emitted on a later turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(uncaught).toEqual([]);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});
