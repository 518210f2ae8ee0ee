// A recording pass-through proxy in front of a real Vault/OpenBao: what the code under test sent,
// in order, with each answer's status — and a way to take the server out of its reach.
import http, { type Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/** A request that reached the server through the recorder. */
export interface SeenVaultRequest {
  method: string;
  /** URL path without the query string, e.g. `/v1/secret/data/mcp/github`. */
  path: string;
  /** The server's status (502 when it could not be reached; 0 while in flight). */
  status: number;
  /** The `X-Vault-Token` header, when sent. */
  token: string | undefined;
  /** The `X-Vault-Namespace` header, when sent. */
  namespace: string | undefined;
  /** The parsed JSON body, when one was sent. */
  body: unknown;
}

/** A running recorder. */
export interface VaultRecorder {
  /** Point the code under test here instead of at the server. */
  url: string;
  /** Every request, in arrival order. */
  requests: SeenVaultRequest[];
  /** Close the recorder: the server is then unreachable for whoever used {@link VaultRecorder.url}. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a recorder on 127.0.0.1 that forwards everything to `target` unchanged.
 *
 * @example
 * ```ts
 * const rec = await startVaultRecorder(bao.url);
 * // … VAULT_ADDR=rec.url …
 * rec.requests.filter((r) => r.path === '/v1/secret/data/mcp/github').length;
 * ```
 */
export async function startVaultRecorder(target: string): Promise<VaultRecorder> {
  const upstream = new URL(target);
  const requests: SeenVaultRequest[] = [];
  const proxy: Server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', upstream);
      const header = (name: string): string | undefined => {
        const v = req.headers[name];
        return typeof v === 'string' ? v : undefined;
      };
      let body: unknown;
      try {
        body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        body = raw.toString('utf8');
      }
      const record: SeenVaultRequest = { method: req.method ?? 'GET', path: url.pathname, status: 0, token: header('x-vault-token'), namespace: header('x-vault-namespace'), body };
      requests.push(record);
      const transport = url.protocol === 'https:' ? https : http;
      const up = transport.request(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (ur) => {
        record.status = ur.statusCode ?? 0;
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      up.on('error', () => {
        record.status = 502;
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      up.end(raw);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!proxy.listening) return resolve();
        proxy.close(() => resolve());
        proxy.closeAllConnections();
      }),
  };
}
