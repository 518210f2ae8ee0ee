/**
 * `docker-compose.yml` read as a plan for local processes: which services run Node code (and from
 * which entry), in what order, and the environment compose gives each — rewritten for loopback by a
 * short, fixed list of rules ({@link LOCALIZATION_RULES}), so that what the production profile runs
 * as processes is what compose says (`pnpm start --profile production`, e2e/test/production.int.test.ts).
 *
 * The rules, and nothing else, tell the two apart:
 *   1. a listen address `0.0.0.0` becomes `127.0.0.1`; a service's own ports (`PORT`, `*_PORT`, `0.0.0.0:<port>`)
 *      become the ports of this run;
 *   2. `<service>:<port>` of another compose service becomes that component's local address (Keycloak:
 *      `localhost:<port>`, a name the dev CA's certificate covers);
 *   3. a container path under a volume becomes the host path: bind mounts their repository source (or an
 *      override), named volumes `<fsRoot>/<container path>`;
 *   4. `PUBLIC_URL` is kept: it is a service's identity (the token audience the realm issues), not an address;
 *   5. {@link DROPPED} variables (image build artefacts) are left out, each with its reason.
 *
 * @example
 * ```ts
 * const compose = readComposeFile('docker-compose.yml');
 * const env = localEnvironment(compose, 'mcp-network', { root, fsRoot, addresses });
 * ```
 * @module
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

/** A compose service, as far as the local plan reads it. */
export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> };
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, unknown> | string[];
  volumes?: (string | Record<string, unknown>)[];
  entrypoint?: string | string[];
  command?: string | string[];
  healthcheck?: { test?: string | string[] };
  ports?: (string | number)[];
}

/** The compose file with merge keys (`<<`) resolved, as Compose resolves them. */
export interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** Reads and parses a compose file (YAML 1.1 merge keys resolved). */
export function readComposeFile(file: string): ComposeFile {
  return parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeFile;
}

/** A service's environment as strings (list form `A=b` accepted; `null` values dropped). */
export function composeEnvironment(svc: ComposeService): Record<string, string> {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.filter((item) => item.indexOf('=') > 0).map((item) => [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).flatMap(([k, v]) => (v === null ? [] : [[k, String(v)]])));
}

/** Variables compose sets that a process from source does without, and why. */
export const DROPPED: Readonly<Record<string, string>> = {
  WORKFLOW_BUNDLE_PATH: "the image's prebuilt workflow bundle; run from source, the worker bundles its workflows at start",
};

/** The rules of {@link localEnvironment}, for docs and the drift test. */
export const LOCALIZATION_RULES = [
  'listen address 0.0.0.0 -> 127.0.0.1; the service\'s own ports (PORT, *_PORT, 0.0.0.0:<port>) -> the ports of this run',
  '<service>:<port> of another compose service -> its local address (Keycloak: localhost:<port>, named in the dev CA certificate)',
  'a container path under a volume -> the host path (bind mount source or override; named volume <fsRoot>/<container path>)',
  'PUBLIC_URL kept (the identity the realm issues tokens for)',
  ...Object.entries(DROPPED).map(([k, why]) => `${k} dropped: ${why}`),
] as const;

/** A compose service that runs the platform's Node code (built from `docker/service.Dockerfile`). */
export interface NodeServiceSpec {
  name: string;
  /** Repository-relative entry file, e.g. `services/mcp-network/src/main.ts`. */
  entry: string;
  /** The compose services it waits for. */
  dependsOn: string[];
}

function dependsOn(svc: ComposeService): string[] {
  const d = svc.depends_on ?? [];
  return Array.isArray(d) ? d : Object.keys(d);
}

/**
 * Every compose service built from `docker/service.Dockerfile` (`SERVICE` + optional `ENTRY`
 * build args, default `src/main.ts`), ordered so each comes after the Node services it depends on.
 *
 * @throws TypeError on a dependency cycle.
 */
export function nodeServices(compose: ComposeFile): NodeServiceSpec[] {
  const specs = new Map<string, NodeServiceSpec>();
  for (const [name, svc] of Object.entries(compose.services)) {
    const args = svc.build?.args;
    if (svc.build?.dockerfile !== 'docker/service.Dockerfile' || args?.['SERVICE'] === undefined) continue;
    specs.set(name, { name, entry: `${args['SERVICE']}/${args['ENTRY'] ?? 'src/main.ts'}`, dependsOn: dependsOn(svc) });
  }
  const ordered: NodeServiceSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): void => {
    const spec = specs.get(name);
    if (spec === undefined || state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new TypeError(`docker-compose.yml: depends_on cycle through ${name}`);
    state.set(name, 'visiting');
    for (const d of spec.dependsOn) visit(d);
    state.set(name, 'done');
    ordered.push(spec);
  };
  for (const name of specs.keys()) visit(name);
  return ordered;
}

/** Where one run puts things: the repository, named volumes, and every component's local address. */
export interface Localization {
  /** Repository root (bind-mount sources are relative to it). */
  root: string;
  /** Named volumes and container paths outside any volume live at `<fsRoot>/<container path>`. */
  fsRoot: string;
  /** Bind-mount sources as written in compose (e.g. `./deploy/certs/out`) placed elsewhere in this run. */
  bindOverrides?: Readonly<Record<string, string>>;
  /** Compose service → container port → local `host:port`, e.g. `{ keycloak: { 8443: 'localhost:41234' } }`. */
  addresses: Readonly<Record<string, Readonly<Record<number, string>>>>;
}

/** A volume entry's (source, target); short syntax `src:dst[:mode]` or long syntax. */
function volumeEntries(svc: ComposeService): { source: string; target: string }[] {
  return (svc.volumes ?? []).flatMap((v) => {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      return source !== undefined && target !== undefined ? [{ source, target }] : [];
    }
    const source = v['source'];
    const target = v['target'];
    return typeof source === 'string' && typeof target === 'string' ? [{ source, target }] : [];
  });
}

/**
 * The host path of `containerPath` in compose service `service`: under the longest matching volume
 * target, a bind mount's source (or its override) or a named volume's `<fsRoot>/<target>`;
 * otherwise `<fsRoot>/<containerPath>`.
 */
export function localPath(compose: ComposeFile, service: string, containerPath: string, loc: Localization): string {
  const svc = compose.services[service];
  if (svc === undefined) throw new TypeError(`docker-compose.yml has no service ${service}`);
  const mounts = volumeEntries(svc)
    .filter((m) => containerPath === m.target || containerPath.startsWith(`${m.target}/`))
    .sort((a, b) => b.target.length - a.target.length);
  const m = mounts[0];
  if (m === undefined) return join(loc.fsRoot, containerPath);
  const rest = containerPath.slice(m.target.length);
  const bind = m.source.startsWith('.') || isAbsolute(m.source);
  if (!bind) return join(loc.fsRoot, m.target) + rest;
  const base = loc.bindOverrides?.[m.source] ?? (isAbsolute(m.source) ? m.source : join(loc.root, m.source));
  return base + rest;
}

/** The container ports service `service` listens on: published ports, `PORT`/`*_PORT` values, `0.0.0.0:<port>` values. */
export function listeningPorts(compose: ComposeFile, service: string): number[] {
  const svc = compose.services[service];
  if (svc === undefined) throw new TypeError(`docker-compose.yml has no service ${service}`);
  const ports = new Set<number>();
  for (const p of svc.ports ?? []) {
    const container = String(p).split(':').at(-1);
    if (container !== undefined && /^\d+$/.test(container)) ports.add(Number(container));
  }
  for (const [k, v] of Object.entries(composeEnvironment(svc))) {
    if ((k === 'PORT' || k.endsWith('_PORT')) && /^\d+$/.test(v)) ports.add(Number(v));
    const bind = /^0\.0\.0\.0:(\d+)$/.exec(v);
    if (bind) ports.add(Number(bind[1]));
  }
  return [...ports].sort((a, b) => a - b);
}

function ownPort(loc: Localization, service: string, containerPort: number): string {
  const address = loc.addresses[service]?.[containerPort];
  if (address === undefined) throw new TypeError(`no local address for ${service}:${String(containerPort)}`);
  return address.slice(address.lastIndexOf(':') + 1);
}

/** One value of `service`'s environment under the rules; `undefined` when dropped. */
export function localValue(compose: ComposeFile, service: string, name: string, value: string, loc: Localization): string | undefined {
  if (name in DROPPED) return undefined;
  if (name === 'PUBLIC_URL') return value;
  if (value === '0.0.0.0') return '127.0.0.1';
  if ((name === 'PORT' || name.endsWith('_PORT')) && /^\d+$/.test(value)) return ownPort(loc, service, Number(value));
  const bind = /^0\.0\.0\.0:(\d+)$/.exec(value);
  if (bind) return `127.0.0.1:${ownPort(loc, service, Number(bind[1]))}`;
  if (value.startsWith('/')) return localPath(compose, service, value, loc);
  return value.replace(/\b([a-z][a-z0-9-]*):(\d{2,5})\b/g, (whole, host: string, port: string) => {
    if (compose.services[host] === undefined) return whole;
    const address = loc.addresses[host]?.[Number(port)];
    if (address === undefined) throw new TypeError(`${service}: ${name} names ${whole}, which has no local address in this run`);
    return address;
  });
}

/**
 * The environment compose gives `service`, under {@link LOCALIZATION_RULES}.
 *
 * @throws TypeError naming the variable when it points at a component with no local address.
 */
export function localEnvironment(compose: ComposeFile, service: string, loc: Localization): Record<string, string> {
  const svc = compose.services[service];
  if (svc === undefined) throw new TypeError(`docker-compose.yml has no service ${service}`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(composeEnvironment(svc))) {
    const local = localValue(compose, service, k, v, loc);
    if (local !== undefined) out[k] = local;
  }
  return out;
}

/** A compose `command`/`entrypoint` as an argument list, each argument under the rules (paths, `0.0.0.0:<port>`, addresses). */
export function localCommand(compose: ComposeFile, service: string, args: string | string[] | undefined, loc: Localization): string[] {
  const list = args === undefined ? [] : Array.isArray(args) ? args : args.split(' ');
  return list.map((a) => localValue(compose, service, '', a, loc) ?? a);
}
