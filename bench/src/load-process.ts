/**
 * Child process running the load generator (autocannon) against one target.
 * The parent sends `{ type: 'run', job }`; we answer `{ type: 'result', result }`.
 * Every response is checked: non-2xx, JSON-RPC `error`, `isError` tool results
 * and bodies that are not a JSON-RPC result all count as errors.
 */
import autocannon from 'autocannon';
import type { LoadJob, LoadResult } from './types.ts';

/** The JSON-RPC message of a response body, plain JSON or one SSE `data:` event. */
function parseBody(body: string): unknown {
  const text = body.trimStart();
  if (text.startsWith('{')) return JSON.parse(text);
  const data = text
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim())
    .join('\n');
  return JSON.parse(data);
}

interface Tally {
  ok: number;
  non2xx: number;
  rpcErrors: number;
  toolErrors: number;
  malformed: number;
  firstError?: string;
}

function check(expect: LoadJob['expect'], status: number, body: string, tally: Tally): void {
  if (status < 200 || status > 299) {
    tally.non2xx++;
    tally.firstError ??= `HTTP ${status}: ${body.slice(0, 300)}`;
    return;
  }
  let msg: { result?: { isError?: boolean; content?: unknown[] }; error?: unknown; status?: unknown };
  try {
    msg = parseBody(body) as typeof msg;
  } catch {
    tally.malformed++;
    tally.firstError ??= `unparseable body: ${body.slice(0, 300)}`;
    return;
  }
  if (expect === 'rest-ok') {
    // The REST proxy's success envelope: `{"status":"ok", …}`.
    if (msg.status === 'ok') tally.ok++;
    else {
      tally.malformed++;
      tally.firstError ??= `not a REST success: ${body.slice(0, 300)}`;
    }
  } else if (msg.error !== undefined) {
    tally.rpcErrors++;
    tally.firstError ??= `JSON-RPC error: ${JSON.stringify(msg.error).slice(0, 300)}`;
  } else if (msg.result?.isError === true) {
    tally.toolErrors++;
    tally.firstError ??= `isError result: ${JSON.stringify(msg.result).slice(0, 300)}`;
  } else if (!Array.isArray(msg.result?.content)) {
    tally.malformed++;
    tally.firstError ??= `no result content: ${body.slice(0, 300)}`;
  } else {
    tally.ok++;
  }
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

async function run(job: LoadJob, durationSeconds: number): Promise<{ result: autocannon.Result; tally: Tally; times: number[] }> {
  const tally: Tally = { ok: 0, non2xx: 0, rpcErrors: 0, toolErrors: 0, malformed: 0 };
  // Percentiles come from every response time (ms, sub-millisecond): autocannon's own histogram has
  // whole milliseconds only (too coarse for a 1-connection delta of ~1 ms) and no p95.
  const times: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: durationSeconds,
        pipelining: 1,
        ...(job.overallRate === undefined ? {} : { overallRate: job.overallRate }),
        requests: [
          {
            method: 'POST',
            headers: job.headers,
            body: job.body,
            onResponse: (status: number, body: string) => check(job.expect, status, body, tally),
          },
        ],
      },
      (err: unknown, r: autocannon.Result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(r)),
    );
    instance.on('response', (_client, _status, _bytes, responseTimeMs) => times.push(responseTimeMs));
  });
  times.sort((a, b) => a - b);
  return { result, tally, times };
}

process.on('message', (msg: { type: 'run'; job: LoadJob }) => {
  if (msg.type !== 'run') return;
  const { job } = msg;
  void (async () => {
    if (job.warmupSeconds > 0) await run(job, job.warmupSeconds);
    const { result: r, tally, times } = await run(job, job.durationSeconds);
    const mean = times.length > 0 ? times.reduce((a, b) => a + b, 0) / times.length : NaN;
    const out: LoadResult = {
      requests: r.requests.total,
      durationSeconds: r.duration,
      requestsPerSecond: r.requests.total / r.duration,
      latencyMs: { p50: quantile(times, 0.5), p90: quantile(times, 0.9), p95: quantile(times, 0.95), p99: quantile(times, 0.99), max: times.at(-1) ?? NaN, mean },
      ok: tally.ok,
      non2xx: r.non2xx,
      socketErrors: r.errors,
      timeouts: r.timeouts,
      rpcErrors: tally.rpcErrors,
      toolErrors: tally.toolErrors,
      malformed: tally.malformed,
      ...(tally.firstError !== undefined ? { firstError: tally.firstError } : {}),
    };
    process.send?.({ type: 'result', result: out });
  })().catch((err: unknown) => {
    process.send?.({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  });
});
process.on('disconnect', () => process.exit(0));
