/**
 * Small process and port helpers the tool launchers share.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** A free loopback TCP port (bound, read, released). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs `command` to completion without output; throws with the exit code and the last lines of stderr when it fails. */
export function runChecked(command: string, args: string[], cwd?: string): void {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    const tail = (result.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${command} ${args.join(' ')} failed (exit ${String(result.status)}): ${tail}`);
  }
}
