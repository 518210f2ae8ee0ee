/**
 * Finding (and, when missing, installing) `redis-server` — the real Redis the
 * REST proxy's shared rate-limit test starts. Installed from Debian
 * (`apt-get install -y redis-server`) when running as root; otherwise a clear
 * error says what to install.
 *
 * Lookup order: `$REDIS_SERVER_BIN`, then `redis-server` on `PATH` and in `/usr/bin`, `/usr/local/bin`.
 */
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { findBinary, onPath } from './binaries.ts';

/** Where Debian puts what `apt-get` installs, searched after PATH (a non-login shell may lack them). */
const SYSTEM_DIRS = ['/usr/bin', '/usr/local/bin', '/usr/sbin'];

/** `command` on PATH (or in the usual system directories), or `undefined`. */
export function findOnPath(command: string): string | undefined {
  return onPath(command, SYSTEM_DIRS);
}

/**
 * Installs Debian `packages` with apt-get when running as root on a Debian-like
 * system; otherwise throws an error naming the packages to install.
 *
 * @example
 * ```ts
 * aptInstall(['redis-server'], 'the rate-limit tests');
 * ```
 */
export function aptInstall(packages: string[], why: string): void {
  const apt = findOnPath('apt-get');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (apt === undefined || !root) {
    throw new Error(
      `${packages.join(' ')} not found (needed by ${why}). Install ${apt ? 'as root: apt-get install -y ' + packages.join(' ') : `the ${packages.join(', ')} package(s) with your system's package manager`}.`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync(apt, ['install', '-y', '--no-install-recommends', ...packages], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  let result = install();
  if (result.status !== 0) {
    // A fresh container has no package lists yet.
    spawnSync(apt, ['update'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    result = install();
  }
  if (result.status !== 0) throw new Error(`apt-get install -y ${packages.join(' ')} failed (exit ${String(result.status)})`);
}

/**
 * The path of `redis-server`, or `undefined` when none is installed.
 *
 * @example
 * ```ts
 * const redis = findRedisServer();
 * ```
 */
export function findRedisServer(): string | undefined {
  return findBinary({ envVar: 'REDIS_SERVER_BIN', command: 'redis-server', extraDirs: SYSTEM_DIRS });
}

/**
 * The path of `redis-server`, installing Debian's `redis-server` package first when missing.
 *
 * @throws Error telling what to install when not root or not on Debian.
 * @example
 * ```ts
 * const bin = ensureRedisServer();
 * spawn(bin, ['--port', '0']);
 * ```
 */
export function ensureRedisServer(): string {
  const found = findRedisServer();
  if (found !== undefined) return found;
  aptInstall(['redis-server'], 'the REST proxy rate-limit tests');
  const installed = findRedisServer();
  if (installed === undefined) throw new Error('redis-server was installed but is not on PATH');
  return installed;
}

/** One `PING` to a redis-server on loopback over a raw socket: true on `+PONG` (false on error or after 1 s). */
export function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}
