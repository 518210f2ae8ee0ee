/**
 * Finding (and, when missing, installing) the pinned Keycloak server
 * distribution and a Java 21+ runtime for it — the real identity provider of
 * the identity suite and `pnpm start --idp keycloak`.
 *
 * Keycloak: `$KEYCLOAK_HOME`, then the platform cache
 * (`~/.cache/mcp-platform/keycloak-<version>/`). Installed from Maven Central
 * (`org.keycloak:keycloak-quarkus-dist:<version>:zip`) with `mvn dependency:get`,
 * or, without Maven, downloaded from Maven Central directly (SHA-1 checked).
 *
 * Java: `$KEYCLOAK_JAVA_HOME`, `$JAVA_HOME`, every JDK under `/usr/lib/jvm`, then
 * `java` on `PATH` — the first whose major version is 21 or newer.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { cacheDir, isExecutable, onPath } from './binaries.ts';
import { freeLoopbackPort, runChecked } from './local.ts';

/** The Keycloak release the repository is pinned to. */
export const KEYCLOAK_VERSION = '26.7.3';

/** The lowest Java major version Keycloak {@link KEYCLOAK_VERSION} runs on. */
export const KEYCLOAK_MIN_JAVA = 21;

const ARTIFACT = `org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:zip`;
const CENTRAL_PATH = `org/keycloak/keycloak-quarkus-dist/${KEYCLOAK_VERSION}/keycloak-quarkus-dist-${KEYCLOAK_VERSION}.zip`;
/** Written last by {@link ensureKeycloak}: a folder without it is a half-done install. */
const COMPLETE_MARKER = '.mcp-platform-complete';

/**
 * Where {@link ensureKeycloak} unpacks Keycloak: `~/.cache/mcp-platform/keycloak-<version>`.
 *
 * @example
 * ```ts
 * cachedKeycloakHome(); // /home/me/.cache/mcp-platform/keycloak-26.7.3
 * ```
 */
export function cachedKeycloakHome(): string {
  return cacheDir('keycloak', KEYCLOAK_VERSION);
}

/**
 * The Keycloak home (the folder holding `bin/kc.sh`), or `undefined` when not installed.
 *
 * @throws Error when `KEYCLOAK_HOME` is set but has no `bin/kc.sh`.
 * @example
 * ```ts
 * const home = findKeycloak();
 * if (home === undefined) throw new Error('run pnpm tools ensure');
 * ```
 */
export function findKeycloak(): string | undefined {
  const set = process.env['KEYCLOAK_HOME'];
  if (set !== undefined && set !== '') {
    if (existsSync(join(set, 'bin', 'kc.sh'))) return set;
    throw new Error(`KEYCLOAK_HOME=${set} has no bin/kc.sh`);
  }
  const home = cachedKeycloakHome();
  return existsSync(join(home, COMPLETE_MARKER)) && existsSync(join(home, 'bin', 'kc.sh')) ? home : undefined;
}

/** The major version `java -version` reports, or `undefined` when it does not run. */
export function javaMajorVersion(java: string): number | undefined {
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  if (!m) return undefined;
  const major = Number(m[1]);
  // Java 8 and older report "1.8.0_…".
  return major === 1 ? Number(m[2]) : major;
}

/**
 * A `JAVA_HOME` whose `bin/java` is Java {@link KEYCLOAK_MIN_JAVA}+, or `undefined`.
 * Looks at `$KEYCLOAK_JAVA_HOME`, `$JAVA_HOME`, `/usr/lib/jvm/*`, then `java` on `PATH`.
 *
 * @example
 * ```ts
 * const javaHome = findJava21();
 * ```
 */
export function findJava21(): string | undefined {
  const homes: string[] = [];
  for (const variable of ['KEYCLOAK_JAVA_HOME', 'JAVA_HOME']) {
    const value = process.env[variable];
    if (value !== undefined && value !== '') homes.push(value);
  }
  const jvm = '/usr/lib/jvm';
  if (existsSync(jvm)) {
    // Newest first (temurin-25 before java-17), so the best JDK wins.
    const dirs = readdirSync(jvm).sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
    homes.push(...dirs.map((d) => join(jvm, d)));
  }
  const onPathJava = onPath('java');
  if (onPathJava !== undefined) homes.push(dirname(dirname(realpathSync(onPathJava))));
  for (const home of homes) {
    const java = join(home, 'bin', 'java');
    if (!isExecutable(java)) continue;
    const major = javaMajorVersion(java);
    if (major !== undefined && major >= KEYCLOAK_MIN_JAVA) return home;
  }
  return undefined;
}

/** A clear message for the missing Java 21+ (the one place that words it). */
export function missingJavaMessage(): string {
  return `Keycloak ${KEYCLOAK_VERSION} needs Java ${String(KEYCLOAK_MIN_JAVA)}+ and none was found (looked at $KEYCLOAK_JAVA_HOME, $JAVA_HOME, /usr/lib/jvm/*, java on PATH). Install a JDK 21+ (e.g. Debian openjdk-21-jdk-headless or Temurin 21/25) and set KEYCLOAK_JAVA_HOME to it.`;
}

/** The distribution zip: through `mvn dependency:get` into ~/.m2, or straight from Maven Central. */
async function distributionZip(work: string): Promise<string> {
  const mvn = onPath('mvn');
  if (mvn !== undefined) {
    runChecked(mvn, ['-q', '-B', 'dependency:get', `-Dartifact=${ARTIFACT}`, '-Dtransitive=false']);
    const local = join(process.env['MAVEN_REPO_LOCAL'] ?? join(homedir(), '.m2', 'repository'), CENTRAL_PATH);
    if (!existsSync(local)) throw new Error(`mvn dependency:get ${ARTIFACT} succeeded but ${local} is missing`);
    return local;
  }
  const url = `https://repo.maven.apache.org/maven2/${CENTRAL_PATH}`;
  const [zip, sha1] = await Promise.all([fetch(url), fetch(`${url}.sha1`)]);
  if (!zip.ok) throw new Error(`GET ${url}: HTTP ${String(zip.status)}`);
  if (!sha1.ok) throw new Error(`GET ${url}.sha1: HTTP ${String(sha1.status)}`);
  const bytes = Buffer.from(await zip.arrayBuffer());
  const expected = (await sha1.text()).trim().split(/\s+/)[0]?.toLowerCase();
  const actual = createHash('sha1').update(bytes).digest('hex');
  if (expected !== actual) throw new Error(`checksum mismatch for ${url}: expected ${String(expected)}, got ${actual}`);
  const file = join(work, 'keycloak.zip');
  await writeFile(file, bytes);
  return file;
}

/**
 * The Keycloak home, installing {@link KEYCLOAK_VERSION} into the cache first
 * when {@link findKeycloak} finds none, and checking that a Java 21+ runtime
 * exists (the install is of no use without one). Unpacked beside its final
 * folder and renamed into place, marked complete last. Idempotent.
 *
 * @throws Error with {@link missingJavaMessage} when no Java 21+ exists; naming the failed step otherwise.
 * @example
 * ```ts
 * const { home, javaHome } = await ensureKeycloak();
 * ```
 */
export async function ensureKeycloak(): Promise<{ home: string; javaHome: string }> {
  const javaHome = findJava21();
  if (javaHome === undefined) throw new Error(missingJavaMessage());
  const found = findKeycloak();
  if (found !== undefined) {
    buildKeycloak(found, javaHome);
    await primeKeycloakDatabase(found);
    return { home: found, javaHome };
  }

  const home = cachedKeycloakHome();
  await mkdir(dirname(home), { recursive: true });
  const work = await mkdtemp(join(dirname(home), `.keycloak-${process.pid}-`));
  try {
    const zip = await distributionZip(work);
    const unzip = onPath('unzip');
    if (unzip !== undefined) runChecked(unzip, ['-q', zip, '-d', work]);
    else runChecked(onPath('python3') ?? 'python3', ['-m', 'zipfile', '-e', zip, work]);
    const unpacked = join(work, `keycloak-${KEYCLOAK_VERSION}`);
    if (!existsSync(join(unpacked, 'bin', 'kc.sh'))) throw new Error(`${ARTIFACT} has no keycloak-${KEYCLOAK_VERSION}/bin/kc.sh`);
    for (const f of readdirSync(join(unpacked, 'bin'))) if (f.endsWith('.sh')) await chmod(join(unpacked, 'bin', f), 0o755);
    await writeFile(join(unpacked, COMPLETE_MARKER), `${KEYCLOAK_VERSION}\n`);
    await rm(home, { recursive: true, force: true });
    await rename(unpacked, home);
    buildKeycloak(home, javaHome);
    await primeKeycloakDatabase(home);
    return { home, javaHome };
  } catch (err) {
    throw new Error(`Keycloak ${KEYCLOAK_VERSION} not found and could not be installed (set KEYCLOAK_HOME to an unpacked distribution): ${(err as Error).message}`, { cause: err });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The version a Keycloak home declares (`version.txt`), for `pnpm tools where`. */
export async function keycloakVersionOf(home: string): Promise<string | undefined> {
  try {
    return (await readFile(join(home, 'version.txt'), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/**
 * The build-time options every Keycloak start here uses (`kc.sh build`, then `start --optimized`):
 * the file-based H2 database (each run gets its own copy of a primed, empty database) and the health endpoints.
 */
export const KEYCLOAK_BUILD_OPTIONS = ['--db=dev-file', '--health-enabled=true'] as const;
/**
 * The bootstrap admin (`admin`) password of every local Keycloak here. DEV ONLY: the servers listen
 * on loopback, and the primed database template already holds this admin.
 */
export const KEYCLOAK_DEV_ADMIN_PASSWORD = 'dev-only-keycloak-admin';
/** Written by {@link buildKeycloak} with the options it built for. */
const BUILT_MARKER = '.mcp-platform-built';
/** The primed database (schema created, bootstrap admin in place) each run starts from a copy of. */
const DB_TEMPLATE = '.mcp-platform-db-template';
const PRIMED_MARKER = '.primed';

/** True when `home` was built for {@link KEYCLOAK_BUILD_OPTIONS} (so `start --optimized` skips the slow augmentation). */
export function keycloakBuilt(home: string): boolean {
  try {
    return readFileSync(join(home, BUILT_MARKER), 'utf8').trim() === KEYCLOAK_BUILD_OPTIONS.join(' ');
  } catch {
    return false;
  }
}

/**
 * Runs `kc.sh build` once with {@link KEYCLOAK_BUILD_OPTIONS} (Quarkus augmentation: a minute or more,
 * done by `pnpm tools ensure` so no test pays it). Idempotent.
 *
 * @throws Error with the tail of the build output when it fails.
 */
export function buildKeycloak(home: string, javaHome: string): void {
  if (keycloakBuilt(home)) return;
  const result = spawnSync(join(home, 'bin', 'kc.sh'), ['build', ...KEYCLOAK_BUILD_OPTIONS], { env: { ...process.env, JAVA_HOME: javaHome }, encoding: 'utf8' });
  if (result.status !== 0) {
    const tail = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-5).join(' | ');
    throw new Error(`kc.sh build ${KEYCLOAK_BUILD_OPTIONS.join(' ')} failed (exit ${String(result.status)}): ${tail}`);
  }
  writeFileSync(join(home, BUILT_MARKER), `${KEYCLOAK_BUILD_OPTIONS.join(' ')}\n`);
}

/**
 * Starts Keycloak once on a template database and stops it, so the schema (minutes of Liquibase on
 * a busy machine) and the bootstrap admin exist before any test: every later start copies the
 * template. Done by `pnpm tools ensure`; idempotent.
 */
export async function primeKeycloakDatabase(home: string): Promise<void> {
  const template = join(home, DB_TEMPLATE);
  if (existsSync(join(template, PRIMED_MARKER))) return;
  await rm(template, { recursive: true, force: true });
  await mkdir(template, { recursive: true });
  const running = await launch(home, template, { startTimeoutMs: 900_000 });
  await running.stop();
  await writeFile(join(template, PRIMED_MARKER), `${KEYCLOAK_VERSION}\n`);
}

/** A Keycloak server on loopback with the realm imported. */
export interface RunningKeycloak {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The realm's issuer, e.g. `http://127.0.0.1:41234/realms/mcp`. */
  issuer: string;
  /**
   * With {@link StartKeycloakOptions.https}: the HTTPS base URL, e.g. `https://localhost:41235` (the same
   * server; Keycloak names the issuer after the URL a request came in on, so the realm's issuer there is
   * `<httpsUrl>/realms/<realm>`).
   */
  httpsUrl?: string;
  realm: string;
  /** The bootstrap admin's password ({@link KEYCLOAK_DEV_ADMIN_PASSWORD}). */
  adminPassword: string;
  /** `<method> <url>/admin/realms/<realm><path>` as the bootstrap admin; parsed JSON (or `undefined` for an empty body). */
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  /** SIGTERM, then SIGKILL after 10 s; removes the run's database copy. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startKeycloak}. */
export interface StartKeycloakOptions {
  /** The realm file to import through the admin API (e.g. `deploy/keycloak/realm-mcp.json`). */
  realmFile: string;
  /** HTTP port on 127.0.0.1; default a free one. */
  port?: number;
  /** Management (health) port; default a free one. */
  managementPort?: number;
  /** How long to wait for readiness, in milliseconds; default 600000 (a cold JVM on a busy machine). */
  startTimeoutMs?: number;
  /** Receives the server's output. */
  output?: (chunk: string) => void;
  /**
   * Also serve HTTPS (as compose does: `KC_HTTPS_CERTIFICATE_FILE`/`_KEY_FILE`) on `localhost`, beside the
   * plain-HTTP loopback listener. `port` default a free one.
   */
  https?: { certificateFile: string; keyFile: string; port?: number };
}

/** Starts `kc.sh start` on the H2 database in `dbDir` and waits for `/health/ready`. */
async function launch(
  home: string,
  dbDir: string,
  options: Omit<StartKeycloakOptions, 'realmFile'>,
): Promise<{ url: string; httpsUrl?: string; stop(): Promise<void> }> {
  const javaHome = findJava21();
  if (javaHome === undefined) throw new Error(missingJavaMessage());
  const { spawn } = await import('node:child_process');
  const port = options.port ?? (await freeLoopbackPort());
  const managementPort = options.managementPort ?? (await freeLoopbackPort());
  const url = `http://127.0.0.1:${String(port)}`;
  const args = [
    'start',
    ...(keycloakBuilt(home) ? ['--optimized'] : KEYCLOAK_BUILD_OPTIONS),
    `--db-url=jdbc:h2:file:${join(dbDir, 'keycloakdb')};NON_KEYWORDS=VALUE`,
    '--http-enabled=true',
    '--http-host=127.0.0.1',
    `--http-port=${String(port)}`,
    `--http-management-port=${String(managementPort)}`,
    '--hostname-strict=false',
    '--cache=local',
  ];
  const httpsPort = options.https === undefined ? undefined : (options.https.port ?? (await freeLoopbackPort()));
  if (options.https !== undefined) {
    // Same loopback address as HTTP (--http-host); served as `localhost`, a name the dev CA's certificate covers.
    args.push('--http-management-scheme=http', `--https-port=${String(httpsPort)}`, `--https-certificate-file=${options.https.certificateFile}`, `--https-certificate-key-file=${options.https.keyFile}`);
  }
  const httpsUrl = httpsPort === undefined ? undefined : `https://localhost:${String(httpsPort)}`;
  const child = spawn(join(home, 'bin', 'kc.sh'), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, JAVA_HOME: javaHome, KC_BOOTSTRAP_ADMIN_USERNAME: 'admin', KC_BOOTSTRAP_ADMIN_PASSWORD: KEYCLOAK_DEV_ADMIN_PASSWORD },
  });
  let tail = '';
  const take = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-4_000);
    options.output?.(text);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 600_000);
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const res = await fetch(`http://127.0.0.1:${String(managementPort)}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return { url, ...(httpsUrl === undefined ? {} : { httpsUrl }), stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`Keycloak did not become ready (exit ${String(child.exitCode)}): ${tail.split('\n').slice(-8).join('\n')}`);
}

/**
 * Starts Keycloak ({@link findKeycloak}, Java from {@link findJava21}) with `start --optimized` on
 * 127.0.0.1 (plain HTTP) on a private copy of the primed database, waits for `/health/ready`, and
 * imports `realmFile` through the admin REST API (`POST /admin/realms`).
 *
 * @throws Error when Keycloak or Java 21+ is missing (run `pnpm tools ensure`), or it does not come up.
 * @example
 * ```ts
 * const kc = await startKeycloak({ realmFile: 'deploy/keycloak/realm-mcp.json' });
 * kc.issuer; // http://127.0.0.1:41234/realms/mcp
 * await kc.stop();
 * ```
 */
export async function startKeycloak(options: StartKeycloakOptions): Promise<RunningKeycloak> {
  const home = findKeycloak();
  if (home === undefined) throw new Error(`Keycloak ${KEYCLOAK_VERSION} is not installed: run \`pnpm tools ensure\` or set KEYCLOAK_HOME`);
  const realmJson = JSON.parse(await readFile(options.realmFile, 'utf8')) as { realm: string };
  const { tmpdir } = await import('node:os');
  const { cp } = await import('node:fs/promises');
  const dbDir = await mkdtemp(join(tmpdir(), 'keycloak-db-'));
  const template = join(home, DB_TEMPLATE);
  if (existsSync(join(template, PRIMED_MARKER))) await cp(template, dbDir, { recursive: true });
  let running: { url: string; httpsUrl?: string; stop(): Promise<void> };
  try {
    running = await launch(home, dbDir, options);
  } catch (err) {
    await rm(dbDir, { recursive: true, force: true });
    throw err;
  }
  const stop = async (): Promise<void> => {
    await running.stop();
    await rm(dbDir, { recursive: true, force: true });
  };
  const { url } = running;
  const { admin } = keycloakAdmin(url, KEYCLOAK_DEV_ADMIN_PASSWORD);
  try {
    await admin('POST', '', realmJson);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    issuer: `${url}/realms/${realmJson.realm}`,
    ...(running.httpsUrl === undefined ? {} : { httpsUrl: running.httpsUrl }),
    realm: realmJson.realm,
    adminPassword: KEYCLOAK_DEV_ADMIN_PASSWORD,
    admin: (method, path, body) => admin(method, `/${realmJson.realm}${path}`, body),
    stop,
  };
}

/** Keycloak's admin REST API as the bootstrap admin. */
export interface KeycloakAdmin {
  /** A fresh master-realm admin access token (`admin-cli`, password grant). */
  adminToken(): Promise<string>;
  /** `<method> <url>/admin/realms<path>`; parsed JSON, or `undefined` for an empty body. */
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
}

/**
 * The admin REST API of the Keycloak at `url`, logged in as the bootstrap admin `admin`.
 *
 * @example
 * ```ts
 * const { admin } = keycloakAdmin('http://127.0.0.1:41234', KEYCLOAK_DEV_ADMIN_PASSWORD);
 * const users = await admin('GET', '/mcp/users?username=nina&exact=true');
 * ```
 */
export function keycloakAdmin(url: string, adminPassword: string): KeycloakAdmin {
  const adminToken = async (): Promise<string> => {
    const res = await fetch(`${url}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: adminPassword }),
    });
    if (!res.ok) throw new Error(`Keycloak admin login: HTTP ${String(res.status)}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const admin = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${url}/admin/realms${path}`, {
      method,
      headers: { authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Keycloak admin ${method} ${path}: HTTP ${String(res.status)} ${text.slice(0, 300)}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };
  return { adminToken, admin };
}
