import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { approveUpdate, cancelUpdate, DEFAULT_TASK_QUEUE, DEFAULT_WORKER_AUDIENCE, progressQuery, rejectUpdate, respondUpdate, temporalEnv, temporalRules } from './index.ts';

const schema = z.object(temporalEnv).superRefine((raw, ctx) => temporalRules(raw, ctx));

describe('the Temporal settings', () => {
  it('default to the local dev server, the registry\'s worker audience and the deployment queue', () => {
    const cfg = schema.parse({});
    expect(cfg).toMatchObject({ TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: DEFAULT_TASK_QUEUE, TEMPORAL_TLS: false });
    expect(cfg.DEPLOY_WORKER_AUDIENCE).toBe(DEFAULT_WORKER_AUDIENCE);
    expect(DEFAULT_WORKER_AUDIENCE).toBe('urn:mcp-platform:deploy-worker');
  });

  it('refuse a client certificate without its key (and the reverse), naming the missing one', () => {
    const noKey = schema.safeParse({ TEMPORAL_TLS_CERT_PATH: '/tls/cert.pem' });
    expect(noKey.success).toBe(false);
    expect(noKey.error?.issues.map((i) => i.path.join('.'))).toEqual(['TEMPORAL_TLS_KEY_PATH']);
    const noCert = schema.safeParse({ TEMPORAL_TLS_KEY_PATH: '/tls/key.pem' });
    expect(noCert.error?.issues.map((i) => i.path.join('.'))).toEqual(['TEMPORAL_TLS_CERT_PATH']);
    expect(schema.safeParse({ TEMPORAL_ADDRESS: 'temporal' }).success).toBe(false);
  });
});

describe('the message definitions', () => {
  it('carry the names running workflows registered (renaming one strands every workflow in flight)', () => {
    expect([progressQuery.name, approveUpdate.name, rejectUpdate.name, cancelUpdate.name, respondUpdate.name]).toEqual(['progress', 'approve', 'reject', 'cancel', 'respond']);
  });
});
