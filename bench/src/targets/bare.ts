import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import express from 'express';
import { z } from 'zod';
import type { StartedTarget } from './types.ts';

/**
 * The baseline: the official MCP SDK v2 alone — `createMcpHandler` (stateless
 * legacy leg enabled, as the spine uses it) adapted by `toNodeHandler` behind
 * a plain Express app with `express.json()`, one trivial tool, no auth, no
 * policy, no logging, no metrics.
 *
 * @example
 * ```ts
 * const bare = await startBareServer({ port: 0 });
 * await bare.close();
 * ```
 */
export async function startBareServer(options: { port: number }): Promise<StartedTarget> {
  // Declared once, as the spine's tool schemas are (module scope), not per request.
  const inputSchema = z.object({ text: z.string().describe('Text to echo') });
  const factory = () => {
    const server = new McpServer({ name: 'bench-bare', version: '0.1.0' }, { capabilities: { tools: {} } });
    server.registerTool(
      'echo',
      {
        title: 'Echo',
        description: 'Returns its input.',
        inputSchema,
        annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
      },
      async ({ text }) => ({ content: [{ type: 'text', text }] }),
    );
    return server;
  };
  const handler = createMcpHandler(factory, { legacy: 'stateless' });
  const nodeHandler = toNodeHandler(handler);
  const app = express();
  app.use(express.json());
  app.post('/mcp', (req, res) => void nodeHandler(req, res, req.body));
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async close() {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
