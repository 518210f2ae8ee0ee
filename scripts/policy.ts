/**
 * Policy tooling: `tsx scripts/policy.ts build|lint|test`.
 *
 * - `build` compiles `policies/mcp` to Wasm (`policies/dist/authz.wasm`), copies
 *   the bundle's `data.json` beside it, builds the optimized bundle every OPA server
 *   loads (`policies/dist/opa-bundle.tar.gz`: `opa build -O=2`, tests left out) and writes
 *   `policies/dist/manifest.json` (sha256 of every source and output file, OPA version, entrypoints).
 * - `lint` runs `opa fmt --fail`, `opa check --strict` and checks that
 *   `policies/dist/` was built from the current sources.
 * - `test` runs `opa test` and enforces a coverage floor on the policy files.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { ensureOpa, OPA_VERSION } from '@mcp-platform/tooling/opa';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const POLICIES = join(ROOT, 'policies');
const SOURCE_DIR = join(POLICIES, 'mcp');
const DIST = join(POLICIES, 'dist');
/** Rules compiled into the Wasm module: tool authorization, the REST proxy's own access rule, and the MCP gateway's. */
const ENTRYPOINTS = ['mcp/authz/decision', 'mcp/proxy/decision', 'mcp/gateway/decision'];
/**
 * Entrypoints of the OPA server bundle: every decision the services ask, and the decision-log mask
 * (OPA evaluates `system/log/mask` for each decision it logs). `-O=2` partially evaluates these and
 * inlines what they use; a path that is not listed here may be optimized away.
 */
const SERVER_ENTRYPOINTS = [...ENTRYPOINTS, 'system/log/mask'];
/** The optimized bundle's file in dist/ (what compose mounts and every local OPA loads). */
const SERVER_BUNDLE = 'opa-bundle.tar.gz';
/** Minimum line coverage (percent) of the non-test policy files. */
const COVERAGE_FLOOR = 90;
const REBUILD_HINT = 'run pnpm --filter @mcp-platform/policies build';

interface Manifest {
  opaVersion: string;
  entrypoints: string[];
  /** Entrypoints of the optimized OPA server bundle. */
  serverEntrypoints?: string[];
  /** sha256 of each source file that goes into the Wasm build, keyed by path relative to policies/. */
  sources: Record<string, string>;
  /** sha256 of each file in dist/ (except this manifest). */
  outputs: Record<string, string>;
}

const sha256 = (bytes: Buffer | Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const posix = (p: string): string => p.split(sep).join('/');

function run(opa: string, args: string[], opts: { capture?: boolean } = {}): { status: number; stdout: string } {
  const result = spawnSync(opa, args, {
    cwd: POLICIES,
    encoding: 'utf8',
    stdio: opts.capture === true ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error !== undefined) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout ?? '' };
}

function fail(message: string): never {
  process.stderr.write(`policy: ${message}\n`);
  process.exit(1);
}

/** Source files of the build (Rego and JSON data, tests excluded), sorted. */
function sourceFiles(dir = SOURCE_DIR): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if ((entry.name.endsWith('.rego') && !entry.name.endsWith('_test.rego')) || entry.name.endsWith('.json')) out.push(full);
  }
  return out.sort();
}

function sourceHashes(): Record<string, string> {
  return Object.fromEntries(sourceFiles().map((f) => [posix(relative(POLICIES, f)), sha256(readFileSync(f))]));
}

/** Files of a gzipped tar, by name (leading `/` stripped). Regular files only. */
function untar(gz: Buffer): Map<string, Buffer> {
  const tar = gunzipSync(gz);
  const files = new Map<string, Buffer>();
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number): string =>
      header.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
    const name = (field(345, 155) === '' ? '' : `${field(345, 155)}/`) + field(0, 100);
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    if (type === '0' || type === '') files.set(name.replace(/^\/+/, ''), Buffer.from(tar.subarray(off + 512, off + 512 + size)));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

async function build(): Promise<void> {
  const opa = await ensureOpa();
  const tmp = mkdtempSync(join(tmpdir(), 'mcp-policy-'));
  try {
    const bundle = join(tmp, 'bundle.tar.gz');
    const { status } = run(opa, ['build', '-t', 'wasm', ...ENTRYPOINTS.flatMap((e) => ['-e', e]), '-o', bundle, relative(POLICIES, SOURCE_DIR)]);
    if (status !== 0) fail('opa build failed');
    const files = untar(readFileSync(bundle));
    const wasm = files.get('policy.wasm');
    if (wasm === undefined) fail('opa build produced no policy.wasm');
    const data = files.get('data.json') ?? Buffer.from('{}');
    // The OPA server bundle: optimized, without the tests, its revision naming the sources (decision logs carry it).
    const revision = sha256(Buffer.from(JSON.stringify(sourceHashes()))).slice(0, 16);
    const serverBundle = join(tmp, SERVER_BUNDLE);
    const server = run(opa, ['build', '-O=2', ...SERVER_ENTRYPOINTS.flatMap((e) => ['-e', e]), '--ignore', '*_test.rego', '--revision', revision, '-o', serverBundle, relative(POLICIES, SOURCE_DIR)]);
    if (server.status !== 0) fail('opa build -O=2 (the server bundle) failed');

    mkdirSync(DIST, { recursive: true });
    writeFileSync(join(DIST, 'authz.wasm'), wasm);
    writeFileSync(join(DIST, SERVER_BUNDLE), readFileSync(serverBundle));
    // Re-serialise so the committed file is stable and readable.
    writeFileSync(join(DIST, 'data.json'), `${JSON.stringify(JSON.parse(data.toString('utf8')), null, 2)}\n`);
    const manifest: Manifest = {
      opaVersion: OPA_VERSION,
      entrypoints: ENTRYPOINTS,
      serverEntrypoints: SERVER_ENTRYPOINTS,
      sources: sourceHashes(),
      outputs: {
        'authz.wasm': sha256(readFileSync(join(DIST, 'authz.wasm'))),
        'data.json': sha256(readFileSync(join(DIST, 'data.json'))),
        [SERVER_BUNDLE]: sha256(readFileSync(join(DIST, SERVER_BUNDLE))),
      },
    };
    writeFileSync(join(DIST, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    process.stdout.write(`policy: built ${posix(relative(ROOT, DIST))}/authz.wasm (${wasm.length} bytes) and ${SERVER_BUNDLE} (revision ${revision}) with OPA ${OPA_VERSION}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Why dist/ does not match the sources, or an empty list when it does. */
function staleness(): string[] {
  const manifestPath = join(DIST, 'manifest.json');
  if (!existsSync(manifestPath)) return ['policies/dist/manifest.json is missing'];
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const problems: string[] = [];
  if (manifest.opaVersion !== OPA_VERSION) problems.push(`built with OPA ${manifest.opaVersion}, pinned is ${OPA_VERSION}`);
  if (JSON.stringify(manifest.entrypoints) !== JSON.stringify(ENTRYPOINTS)) problems.push(`built for entrypoints ${JSON.stringify(manifest.entrypoints)}, expected ${JSON.stringify(ENTRYPOINTS)}`);
  if (JSON.stringify(manifest.serverEntrypoints) !== JSON.stringify(SERVER_ENTRYPOINTS)) problems.push(`server bundle built for entrypoints ${JSON.stringify(manifest.serverEntrypoints)}, expected ${JSON.stringify(SERVER_ENTRYPOINTS)}`);
  if (manifest.outputs[SERVER_BUNDLE] === undefined) problems.push(`dist/${SERVER_BUNDLE} is not in the manifest`);
  const current = sourceHashes();
  for (const [file, hash] of Object.entries(current)) {
    if (manifest.sources[file] === undefined) problems.push(`${file} is new since the last build`);
    else if (manifest.sources[file] !== hash) problems.push(`${file} changed since the last build`);
  }
  for (const file of Object.keys(manifest.sources)) {
    if (current[file] === undefined) problems.push(`${file} was removed since the last build`);
  }
  for (const [file, hash] of Object.entries(manifest.outputs)) {
    const path = join(DIST, file);
    if (!existsSync(path)) problems.push(`dist/${file} is missing`);
    else if (sha256(readFileSync(path)) !== hash) problems.push(`dist/${file} does not match the manifest`);
  }
  return problems;
}

async function lint(): Promise<void> {
  const opa = await ensureOpa();
  const src = relative(POLICIES, SOURCE_DIR);
  let ok = true;
  if (run(opa, ['fmt', '--list', '--fail', src]).status !== 0) {
    process.stderr.write('policy: files above are not opa-fmt formatted (fix: opa fmt -w policies/mcp):\n');
    run(opa, ['fmt', '--diff', src]);
    ok = false;
  }
  if (run(opa, ['check', '--strict', src]).status !== 0) {
    process.stderr.write('policy: opa check --strict failed\n');
    ok = false;
  }
  const problems = staleness();
  if (problems.length > 0) {
    process.stderr.write(`policy: policies/dist is stale — ${REBUILD_HINT}\n${problems.map((p) => `  - ${p}\n`).join('')}`);
    ok = false;
  }
  if (!ok) process.exit(1);
  process.stdout.write('policy: fmt, check --strict and dist freshness OK\n');
}

interface TestResult {
  package: string;
  name: string;
  fail?: boolean;
  skip?: boolean;
  error?: unknown;
}

interface CoverageReport {
  files: Record<string, { covered_lines?: number; not_covered_lines?: number; not_covered?: { start: { row: number } }[] }>;
}

async function test(): Promise<void> {
  const opa = await ensureOpa();
  const src = relative(POLICIES, SOURCE_DIR);

  const results = run(opa, ['test', '--format', 'json', src], { capture: true });
  let parsed: TestResult[];
  try {
    parsed = JSON.parse(results.stdout) as TestResult[];
  } catch {
    process.stdout.write(results.stdout);
    fail('opa test did not produce a JSON report (see errors above)');
  }
  const failed = parsed.filter((r) => r.fail === true || r.error !== undefined);
  const skipped = parsed.filter((r) => r.skip === true);
  for (const r of failed) process.stderr.write(`FAIL ${r.package}.${r.name}${r.error === undefined ? '' : `: ${JSON.stringify(r.error)}`}\n`);
  const passed = parsed.length - failed.length - skipped.length;
  process.stdout.write(`policy: ${String(passed)}/${String(parsed.length)} tests passed, ${String(failed.length)} failed, ${String(skipped.length)} skipped\n`);
  if (failed.length > 0 || results.status !== 0) fail('opa test failed');

  const coverage = run(opa, ['test', '--coverage', '--format', 'json', src], { capture: true });
  const report = JSON.parse(coverage.stdout) as CoverageReport;
  let covered = 0;
  let total = 0;
  for (const [file, f] of Object.entries(report.files)) {
    if (file.endsWith('_test.rego')) continue;
    const c = f.covered_lines ?? 0;
    const n = f.not_covered_lines ?? 0;
    covered += c;
    total += c + n;
    const missing = (f.not_covered ?? []).map((r) => r.start.row);
    process.stdout.write(`policy: ${file} ${total === 0 ? '100' : ((100 * c) / Math.max(c + n, 1)).toFixed(1)}% covered${missing.length > 0 ? ` (not covered: lines ${[...new Set(missing)].join(', ')})` : ''}\n`);
  }
  const percent = total === 0 ? 0 : (100 * covered) / total;
  process.stdout.write(`policy: coverage ${percent.toFixed(1)}% (floor ${String(COVERAGE_FLOOR)}%)\n`);

  if (percent < COVERAGE_FLOOR) fail(`coverage ${percent.toFixed(1)}% is below the floor of ${String(COVERAGE_FLOOR)}%`);
}

const commands: Record<string, () => Promise<void>> = { build, lint, test };
const command = process.argv[2] ?? '';
const selected = commands[command];
if (selected === undefined) fail(`usage: tsx scripts/policy.ts <${Object.keys(commands).join('|')}>`);
await selected();
