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
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { cacheDir, isExecutable, onPath } from './binaries.ts';

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

function run(command: string, args: string[], cwd?: string): void {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    const tail = (result.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${command} ${args.join(' ')} failed (exit ${String(result.status)}): ${tail}`);
  }
}

/** The distribution zip: through `mvn dependency:get` into ~/.m2, or straight from Maven Central. */
async function distributionZip(work: string): Promise<string> {
  const mvn = onPath('mvn');
  if (mvn !== undefined) {
    run(mvn, ['-q', '-B', 'dependency:get', `-Dartifact=${ARTIFACT}`, '-Dtransitive=false']);
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
  if (found !== undefined) return { home: found, javaHome };

  const home = cachedKeycloakHome();
  await mkdir(dirname(home), { recursive: true });
  const work = await mkdtemp(join(dirname(home), `.keycloak-${process.pid}-`));
  try {
    const zip = await distributionZip(work);
    const unzip = onPath('unzip');
    if (unzip !== undefined) run(unzip, ['-q', zip, '-d', work]);
    else run(onPath('python3') ?? 'python3', ['-m', 'zipfile', '-e', zip, work]);
    const unpacked = join(work, `keycloak-${KEYCLOAK_VERSION}`);
    if (!existsSync(join(unpacked, 'bin', 'kc.sh'))) throw new Error(`${ARTIFACT} has no keycloak-${KEYCLOAK_VERSION}/bin/kc.sh`);
    for (const f of readdirSync(join(unpacked, 'bin'))) if (f.endsWith('.sh')) await chmod(join(unpacked, 'bin', f), 0o755);
    await writeFile(join(unpacked, COMPLETE_MARKER), `${KEYCLOAK_VERSION}\n`);
    await rm(home, { recursive: true, force: true });
    await rename(unpacked, home);
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
