/**
 * A TCP fault injector for `pnpm chaos` (the idea of Toxiproxy, on loopback, in-process): a
 * service talks to a dependency through it, and the chaos run switches it between passing
 * traffic, refusing connections (the dependency is down: new connections are reset, open
 * ones cut) and hanging (connections are accepted and stay open, but no byte moves until the
 * hang ends — the dependency is alive but stuck, then catches up).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** What the proxy does with traffic. */
export type FaultMode = 'pass' | 'refuse' | 'hang';

/** A running fault proxy. */
export interface FaultProxy {
  /** `127.0.0.1:<port>` clients connect to. */
  readonly port: number;
  mode(): FaultMode;
  /** Switches the mode; `refuse` also cuts every open connection, `hang` stalls them. */
  set(mode: FaultMode): void;
  close(): Promise<void>;
}

/**
 * Starts a fault proxy on an ephemeral loopback port in front of `127.0.0.1:<targetPort>`.
 *
 * @example
 * ```ts
 * const opa = await startFaultProxy(opaPort); // the server under test gets OPA_URL=http://127.0.0.1:${opa.port}
 * opa.set('hang'); await sleep(5000); opa.set('pass');
 * ```
 */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  let mode: FaultMode = 'pass';
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forget = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    client.pipe(upstream);
    upstream.pipe(client);
    if (mode === 'hang') {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    mode: () => mode,
    set(next) {
      mode = next;
      for (const [client, upstream] of pairs) {
        if (next === 'refuse') {
          client.resetAndDestroy();
          upstream.destroy();
        } else if (next === 'hang') {
          client.pause();
          upstream.pause();
        } else {
          client.resume();
          upstream.resume();
        }
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [client, upstream] of pairs) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
