/**
 * Consistency rules of the registry: unique keys, names and ports; names that
 * are valid DNS labels (compose/Kubernetes service names, Vault roles); keys
 * that are valid policy keys and proxy backend names (and not reserved); an
 * aggregator (`federates`) with its own OAuth client and no upstream.
 *
 * @module
 */
import { REST_PROXY, SERVERS, WORKERS } from './servers.ts';
import type { PlatformService, ServerEntry, WorkerEntry } from './types.ts';

const KEY = /^[a-z][a-z0-9-]{0,31}$/;
const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const SECRET = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ENV = /^[A-Z][A-Z0-9_]*$/;
/** Keys no server may take: `ops` is the prefix of the gateway's own composite tools (`ops__device_report`). */
const RESERVED_KEYS: Readonly<Record<string, string>> = { ops: "the prefix of the gateway's composite tools" };

/** What {@link validateRegistry} checks; defaults are the committed lists. */
export interface RegistryContents {
  servers?: readonly ServerEntry[];
  proxy?: PlatformService;
  workers?: readonly WorkerEntry[];
}

/**
 * Every rule the entries break, one message each naming the entry and field;
 * empty when the registry is consistent.
 *
 * @example
 * ```ts
 * validateRegistry(); // []
 * validateRegistry({ servers: [...SERVERS, { ...SERVERS[0]!, key: 'copy' }] });
 * // ['mcp-network: name is used twice', 'copy: port 8101 is also used by network', …]
 * ```
 */
export function validateRegistry({ servers = SERVERS, proxy = REST_PROXY, workers = WORKERS }: RegistryContents = {}): string[] {
  const problems: string[] = [];
  const ports = new Map<number, string>();
  const names = new Set<string>();
  const keys = new Set<string>();
  const claimPort = (who: string, field: string, port: number) => {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) problems.push(`${who}: ${field} ${String(port)} is not a TCP port (1-65535)`);
    const owner = ports.get(port);
    if (owner !== undefined && owner !== who) problems.push(`${who}: ${field} ${String(port)} is also used by ${owner}`);
    ports.set(port, who);
  };
  const claimName = (name: string) => {
    if (!DNS_LABEL.test(name)) problems.push(`${name}: name must be a DNS label ([a-z0-9-], at most 63 characters)`);
    if (names.has(name)) problems.push(`${name}: name is used twice`);
    names.add(name);
  };
  const checkSecrets = (who: string, secrets: readonly string[]) => {
    for (const s of secrets) if (!SECRET.test(s)) problems.push(`${who}: secret ${JSON.stringify(s)} must be [a-z0-9-]`);
    if (new Set(secrets).size !== secrets.length) problems.push(`${who}: secrets lists a name twice`);
  };

  /** Simulators seen so far by name: servers fronting the same API share one (identical) simulator. */
  const simulators = new Map<string, string>();
  for (const s of servers) {
    claimName(s.name);
    if (!KEY.test(s.key)) problems.push(`${s.name}: key ${JSON.stringify(s.key)} must match ${KEY.source}`);
    if (keys.has(s.key)) problems.push(`${s.name}: key ${JSON.stringify(s.key)} is used twice`);
    if (Object.hasOwn(RESERVED_KEYS, s.key)) problems.push(`${s.name}: key ${JSON.stringify(s.key)} is reserved (${RESERVED_KEYS[s.key] ?? ''})`);
    if (s.federates === true) {
      if (s.ownerClientId === undefined) problems.push(`${s.name}: federates needs ownerClientId (the client that exchanges the caller's token per backend)`);
      if (s.upstream !== undefined) problems.push(`${s.name}: federates and upstream exclude each other (an aggregator talks only to other servers)`);
    }
    keys.add(s.key);
    if (!s.path.startsWith('/')) problems.push(`${s.name}: path must start with "/"`);
    if (s.title.trim() === '') problems.push(`${s.name}: title is empty`);
    if (s.policyFiles.length === 0) problems.push(`${s.name}: policyFiles is empty (every server has a policy)`);
    claimPort(s.name, 'port', s.port);
    checkSecrets(s.name, s.secrets);
    if (s.upstream !== undefined) {
      const sim = s.upstream.simulator;
      const shape = JSON.stringify([sim.port, sim.portEnv, sim.entry]);
      const seen = simulators.get(sim.name);
      if (seen === undefined) {
        simulators.set(sim.name, shape);
        claimName(sim.name);
        claimPort(sim.name, 'simulator port', sim.port);
      } else if (seen !== shape) {
        problems.push(`${s.name}: simulator ${sim.name} is shared but defined differently (port, portEnv, entry must match)`);
      }
      if (!ENV.test(s.upstream.urlEnv)) problems.push(`${s.name}: upstream.urlEnv must be an environment variable name`);
      if (!ENV.test(sim.portEnv)) problems.push(`${s.name}: upstream.simulator.portEnv must be an environment variable name`);
      if (!/^https:\/\//.test(s.upstream.productionUrl)) problems.push(`${s.name}: upstream.productionUrl must be an https:// URL`);
    }
  }
  claimName(proxy.name);
  claimPort(proxy.name, 'port', proxy.port);
  checkSecrets(proxy.name, proxy.secrets);
  for (const w of workers) {
    claimName(w.name);
    claimPort(w.name, 'healthPort', w.healthPort);
    checkSecrets(w.name, w.secrets);
    if (w.credentialAudience !== undefined && !/^urn:[a-z0-9][a-z0-9-]{0,31}:\S+$/i.test(w.credentialAudience)) {
      problems.push(`${w.name}: credentialAudience must be a URN (urn:<nid>:<nss>)`);
    }
    if (w.credentialTtlSeconds !== undefined && (!Number.isInteger(w.credentialTtlSeconds) || w.credentialTtlSeconds < 30 || w.credentialTtlSeconds > 3600)) {
      problems.push(`${w.name}: credentialTtlSeconds must be an integer between 30 and 3600`);
    }
  }
  return problems;
}
