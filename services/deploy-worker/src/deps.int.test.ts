/**
 * The worker's upstream clients as `buildDeps` wires them: credentials from a secrets file through
 * the spine's `withUpstreamCredentials`, against the real simulators. A rotated credential is
 * picked up after one rejection; a credential wrong everywhere fails after exactly one re-read.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMetrics } from '@mcp-platform/mcp-common/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger, startSimulators, type Simulators } from '../test/fixtures.ts';
import { DEV_SECRETS, loadConfig } from './config.ts';
import { buildDeps, type BuiltDeps } from './deps.ts';

let sims: Simulators;
let dir: string;
let secretsFile: string;
let deps: BuiltDeps;
const metrics = createMetrics({ processMetrics: false });
const log = captureLogger();

const writeSecrets = (secrets: Record<string, Record<string, string>>) => writeFile(secretsFile, JSON.stringify(secrets));
const secretReads = async (secret: string): Promise<number> => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'mcp_secret_reads_total');
  return (metric?.values ?? []).filter((v) => v.labels['secret'] === secret).reduce((sum, v) => sum + v.value, 0);
};

beforeAll(async () => {
  sims = await startSimulators({ taskDurationMs: 50 });
  dir = await mkdtemp(join(tmpdir(), 'worker-deps-'));
  secretsFile = join(dir, 'secrets.json');
  await writeSecrets(DEV_SECRETS);
  const config = loadConfig({
    CATALYST_BASE_URL: sims.catalyst.url,
    SERVICENOW_INSTANCE_URL: sims.servicenow.url,
    LOCAL_SECRETS_FILE: secretsFile,
    ALLOW_DEV_SECRETS: 'false',
    AUTHZ_MODE: 'wasm',
  });
  deps = await buildDeps(config, log.logger, metrics);
});
afterAll(async () => {
  await deps?.close();
  await sims?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('deploy worker credentials (buildDeps)', () => {
  it('ServiceNow rotated: rejected once, the secret is re-read once, and the call succeeds', async () => {
    const first = await deps.itsm.openChange({ correlationId: 'deps-rotate-1', shortDescription: 'rotation 1', description: 'd', requestedBy: 'alice' });
    expect(first.created).toBe(true);
    const readsBefore = await secretReads('servicenow');
    // An operator rotates the password at ServiceNow and in the secret store; the worker's cache holds the old one.
    sims.servicenow.setCredentials({ username: 'admin', password: 'rotated-servicenow-password' });
    await writeSecrets({ ...DEV_SECRETS, servicenow: { username: 'admin', password: 'rotated-servicenow-password' } });
    const before = sims.servicenow.state.requests.length;

    const second = await deps.itsm.openChange({ correlationId: 'deps-rotate-2', shortDescription: 'rotation 2', description: 'd', requestedBy: 'alice' });

    expect(second.created).toBe(true);
    expect(sims.servicenow.state.requests.slice(before).filter((r) => r.status === 401)).toHaveLength(1);
    // Reads are counted in mcp_secret_reads_total: the re-read after the rejection is among them.
    expect(await secretReads('servicenow')).toBeGreaterThan(readsBefore);
  });

  it('Catalyst Center credential wrong in the store too: ERR_UPSTREAM_AUTH after exactly one re-read, no loop', async () => {
    sims.catalyst.setCredentials({ username: 'admin', password: 'only-catalyst-knows-this' });
    sims.catalyst.expireTokens();
    const before = sims.catalyst.state.requests.length;

    const err = await deps.catalyst.listDevices().catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'ERR_UPSTREAM_AUTH' });
    expect((err as Error).message).not.toContain(DEV_SECRETS['catalyst-center'].password);
    const tokenRequests = sims.catalyst.state.requests.slice(before).filter((r) => r.path === '/dna/system/api/v1/auth/token');
    expect(tokenRequests.map((r) => r.status)).toEqual([401, 401]);
    expect(JSON.stringify(log.lines())).not.toContain(DEV_SECRETS['catalyst-center'].password);
  });
});
