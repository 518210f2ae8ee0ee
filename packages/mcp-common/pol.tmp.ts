import { createUpstreamPolicy } from './src/resilience/index.ts';
const policy = createUpstreamPolicy({ name: 'x', timeoutMs: 30000, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 5, halfOpenAfterMs: 1000 }, observer: { call() {}, breaker() {} } });
const sig = new AbortController().signal;
const n = 200000;
for (let r = 0; r < 3; r++) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await policy.execute(async () => 1, { idempotent: false, signal: sig });
  console.log('policy.execute', (Number(process.hrtime.bigint() - t) / n / 1000).toFixed(2), 'µs');
}
