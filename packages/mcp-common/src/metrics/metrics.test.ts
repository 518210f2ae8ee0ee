import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@mcp-platform/test-support';
import { UpstreamUnavailableError, createUpstreamPolicy } from '../resilience/index.ts';
import { createSecretProviderFromConfig } from '../secrets/index.ts';
import { createMetrics } from './index.ts';

const value = async (metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string>): Promise<number | undefined> => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const sample = (metric?.values as { labels: Record<string, string | number>; value: number; metricName?: string }[] | undefined)?.find(
    (v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return sample?.value;
};

describe('platform metrics', () => {
  it('counts every secret read in mcp_secret_reads_total by source and outcome', async () => {
    const log = new MemoryLogger();
    const metrics = createMetrics({ processMetrics: false });
    const config = { VAULT_AUTH_METHOD: 'token', VAULT_K8S_JWT_PATH: '/dev/null', VAULT_KV_MOUNT: 'secret', VAULT_KV_PREFIX: 'mcp/', SECRETS_CACHE_TTL_MS: 60_000, ALLOW_DEV_SECRETS: true } as const;
    const secrets = createSecretProviderFromConfig(config, { logger: log, audit: log, metrics, devSecrets: { github: { token: 'dev-only' } } });
    await secrets.get('github');
    await secrets.get('github');
    await expect(secrets.get('servicenow')).rejects.toThrow();
    expect(await value(metrics, 'mcp_secret_reads_total', { secret: 'github', source: 'local', outcome: 'success' })).toBe(2);
    expect(await value(metrics, 'mcp_secret_reads_total', { secret: 'servicenow', source: 'local', outcome: 'failure' })).toBe(1);
    await secrets.close();
  });

  it('records upstream call latency by outcome and the breaker state (0 closed → 2 open)', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const policy = createUpstreamPolicy({ name: 'servicenow', timeoutMs: 1000, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 }, observer: metrics.upstream });
    expect(await value(metrics, 'mcp_upstream_breaker_state', { upstream: 'servicenow' })).toBe(0);
    await policy.execute(async () => 'ok', { idempotent: true });
    for (let i = 0; i < 2; i++) {
      await expect(policy.execute(() => Promise.reject(new UpstreamUnavailableError('servicenow', { status: 503 })), { idempotent: true })).rejects.toThrow();
    }
    await expect(policy.execute(async () => 'never', { idempotent: true })).rejects.toMatchObject({ code: 'ERR_CIRCUIT_OPEN' });
    expect(await value(metrics, 'mcp_upstream_breaker_state', { upstream: 'servicenow' })).toBe(2);
    const count = (outcome: string) => value(metrics, 'mcp_upstream_request_duration_seconds', { upstream: 'servicenow', outcome, le: '+Inf' });
    expect(await count('success')).toBe(1);
    expect(await count('ERR_UPSTREAM_UNAVAILABLE')).toBe(2);
    expect(await count('ERR_CIRCUIT_OPEN')).toBe(1);
    policy.dispose();
  });
});
