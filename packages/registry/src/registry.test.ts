import { describe, expect, it } from 'vitest';
import { audiences, backendServers, clusterUrl, localUrl, portEnv, REST_PROXY, SERVERS, serverByKey, serverByName, simulators, UnknownServerError, WORKERS } from './index.ts';
import { validateRegistry } from './validate.ts';

describe('the committed registry', () => {
  it('is consistent', () => {
    expect(validateRegistry()).toEqual([]);
  });

  it('derives URLs and audiences from name, port and path', () => {
    for (const s of SERVERS) {
      expect(localUrl(s)).toBe(`http://127.0.0.1:${String(s.port)}${s.path}`);
      expect(clusterUrl(s)).toBe(`http://${s.name}:${String(s.port)}${s.path}`);
      expect(audiences(s)).toEqual([localUrl(s), clusterUrl(s)]);
    }
    expect(localUrl(REST_PROXY, 9999)).toBe('http://127.0.0.1:9999');
    expect(portEnv({ name: 'rest-proxy' })).toBe('REST_PROXY_PORT');
  });

  it('finds entries by key and name, and names the known ones on a typo', () => {
    for (const s of SERVERS) {
      expect(serverByKey(s.key)).toBe(s);
      expect(serverByName(s.name)).toBe(s);
    }
    expect(() => serverByKey('netwrk')).toThrow(UnknownServerError);
    expect(() => serverByKey('netwrk')).toThrow(SERVERS.map((s) => s.key).join(', '));
    expect(() => serverByName('__proto__')).toThrow(UnknownServerError);
  });

  it('lists each simulator once with the servers that share it (mcp-analysis shares mcp-network\'s)', () => {
    const uses = simulators();
    expect(uses.map((u) => u.simulator.name)).toEqual([...new Set(SERVERS.flatMap((s) => (s.upstream ? [s.upstream.simulator.name] : [])))]);
    expect(uses.find((u) => u.simulator.name === 'catalyst-center-sim')?.servers.map((s) => s.key)).toEqual(['network', 'analysis']);
    for (const s of SERVERS) {
      const holding = uses.filter((u) => u.servers.includes(s));
      expect(holding.length, s.name).toBe(s.upstream === undefined ? 0 : 1);
    }
    const noUpstream = { ...SERVERS[0]!, key: 'hub', name: 'mcp-hub', upstream: undefined };
    expect(simulators([noUpstream])).toEqual([]);
  });
});

describe('backendServers', () => {
  it('is every server but the aggregator: the gateway federates the rest and is nobody\'s backend', () => {
    const gateways = SERVERS.filter((s) => s.federates === true);
    expect(gateways.map((s) => s.name)).toEqual(['mcp-gateway']);
    expect(backendServers()).toEqual(SERVERS.filter((s) => !gateways.includes(s)));
    expect(backendServers().map((s) => s.key)).not.toContain('gateway');
    expect(backendServers([{ ...SERVERS[0]!, federates: true }])).toEqual([]);
  });
});

describe('validateRegistry', () => {
  const base = SERVERS[0]!;

  it('rejects a second entry reusing a key, a name or a port', () => {
    const problems = validateRegistry({ servers: [...SERVERS, { ...base }] });
    expect(problems).toContain(`${base.name}: name is used twice`);
    expect(problems).toContain(`${base.name}: key "${base.key}" is used twice`);
    expect(problems.some((p) => p.includes(`port ${String(base.port)} is also used by`))).toBe(false); // same owner name
    const other = validateRegistry({ servers: [...SERVERS, { ...base, key: 'other', name: 'mcp-other', upstream: undefined }] });
    expect(other).toEqual([`mcp-other: port ${String(base.port)} is also used by ${base.name}`]);
  });

  it('lets servers fronting the same API share one identical simulator, and refuses a differing one', () => {
    const sim = base.upstream!.simulator;
    const sharing = { ...base, key: 'twin', name: 'mcp-twin', port: 8199 };
    expect(validateRegistry({ servers: [...SERVERS, sharing] })).toEqual([]);
    const differing = { ...sharing, upstream: { ...base.upstream!, simulator: { ...sim, entry: 'src/bin/other.ts' } } };
    expect(validateRegistry({ servers: [...SERVERS, differing] })).toEqual([`mcp-twin: simulator ${sim.name} is shared but defined differently (port, portEnv, entry must match)`]);
  });

  it('rejects a port that collides with the proxy, a worker or a simulator', () => {
    const clash = (port: number) => validateRegistry({ servers: [...SERVERS, { ...base, key: 'x', name: 'mcp-x', port, upstream: undefined }] });
    expect(clash(REST_PROXY.port)).toEqual([`rest-proxy: port ${String(REST_PROXY.port)} is also used by mcp-x`]);
    expect(clash(WORKERS[0]!.healthPort)).toEqual([`${WORKERS[0]!.name}: healthPort ${String(WORKERS[0]!.healthPort)} is also used by mcp-x`]);
    const simPort = base.upstream!.simulator.port;
    expect(clash(simPort)).toEqual([`mcp-x: port ${String(simPort)} is also used by ${base.upstream!.simulator.name}`]);
  });

  it('rejects hostile or malformed fields, naming the field', () => {
    const problems = validateRegistry({
      servers: [{ ...base, key: '../etc', name: 'Bad Name', port: 70_000, path: 'mcp', title: ' ', policyFiles: [], secrets: ['../root', 'a', 'a'], upstream: { ...base.upstream!, urlEnv: 'lower', productionUrl: 'http://plain' } }],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'Bad Name: name must be a DNS label ([a-z0-9-], at most 63 characters)',
        'Bad Name: key "../etc" must match ^[a-z][a-z0-9-]{0,31}$',
        'Bad Name: path must start with "/"',
        'Bad Name: title is empty',
        'Bad Name: policyFiles is empty (every server has a policy)',
        'Bad Name: port 70000 is not a TCP port (1-65535)',
        'Bad Name: secret "../root" must be [a-z0-9-]',
        'Bad Name: secrets lists a name twice',
        'Bad Name: upstream.urlEnv must be an environment variable name',
        'Bad Name: upstream.productionUrl must be an https:// URL',
      ]),
    );
  });

  it('rejects a worker credential audience that is not a URN, or a lifetime out of range', () => {
    const worker = WORKERS.find((w) => w.credentialAudience !== undefined)!;
    expect(validateRegistry({ workers: [{ ...worker, credentialAudience: 'http://deploy-worker', credentialTtlSeconds: 86_400 }] })).toEqual([
      `${worker.name}: credentialAudience must be a URN (urn:<nid>:<nss>)`,
      `${worker.name}: credentialTtlSeconds must be an integer between 30 and 3600`,
    ]);
  });

  it('rejects an aggregator without its own OAuth client or with an upstream, and the reserved key "ops"', () => {
    const gateway = serverByKey('gateway');
    const { ownerClientId: _dropped, ...noClient } = gateway;
    expect(validateRegistry({ servers: [...backendServers(), noClient] })).toEqual([
      "mcp-gateway: federates needs ownerClientId (the client that exchanges the caller's token per backend)",
    ]);
    expect(validateRegistry({ servers: [...backendServers(), { ...gateway, upstream: { ...base.upstream!, simulator: { ...base.upstream!.simulator, name: 'sim-x', port: 9499 } } }] })).toEqual([
      'mcp-gateway: federates and upstream exclude each other (an aggregator talks only to other servers)',
    ]);
    expect(validateRegistry({ servers: [...SERVERS, { ...base, key: 'ops', name: 'mcp-ops', port: 8199, upstream: undefined }] })).toEqual([
      'mcp-ops: key "ops" is reserved (the prefix of the gateway\'s composite tools)',
    ]);
  });
});
