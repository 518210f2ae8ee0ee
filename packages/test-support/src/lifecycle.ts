import { readFileSync, readdirSync } from 'node:fs';

/** What this process has running that a fixture could leave behind (see {@link runningResources}). */
export interface RunningResources {
  /** Pids of this process's live child processes (OPA, MCP servers, Temporal…), sorted. */
  childPids: number[];
  /** How many TCP servers this process listens with (the dev IdP, simulators, in-process services). */
  tcpServers: number;
}

/**
 * A snapshot of this process's child processes (Linux `/proc/<pid>/task/<tid>/children`) and listening TCP
 * servers (`process.getActiveResourcesInfo()`, after two turns of the event loop so that handles closed just
 * before are gone): equal before and after a fixture that failed to start means
 * nothing it started outlived the failure.
 *
 * @example
 * ```ts
 * const before = await runningResources();
 * await expect(startProxyHarness({ env: { LOG_LEVEL: 'loud' } })).rejects.toThrow(/LOG_LEVEL/);
 * expect(await runningResources()).toEqual(before);
 * ```
 */
export async function runningResources(): Promise<RunningResources> {
  // A handle closed a moment ago is released in the loop's close phase, which follows the check phase
  // (setImmediate): two turns of the loop let it go.
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
  const tasks = `/proc/${String(process.pid)}/task`;
  const childPids = readdirSync(tasks)
    .flatMap((tid) => readFileSync(`${tasks}/${tid}/children`, 'utf8').trim().split(/\s+/))
    .filter((pid) => pid !== '')
    .map(Number)
    .sort((a, b) => a - b);
  const tcpServers = process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
  return { childPids, tcpServers };
}

/** How a started fixture is stopped: `stop()` (processes, simulators, the IdP), else `close()` (servers, clients, browsers). */
function stopOf(value: unknown): (() => Promise<unknown>) | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<Record<'stop' | 'close', unknown>>;
  if (typeof v.stop === 'function') return () => (value as { stop(): Promise<unknown> }).stop();
  if (typeof v.close === 'function') return () => (value as { close(): Promise<unknown> }).close();
  return undefined;
}

/**
 * `Promise.all` for starting fixtures side by side, without leaking: when one start fails, it waits for every
 * other start to settle and stops those that did start (their `stop()`, else `close()`; values without either,
 * such as a written file's path, are left alone) before rejecting with the first failure. With `Promise.all`
 * the caller never receives the started ones (`[a, b] = await Promise.all(…)` assigns nothing), so its
 * afterAll cannot stop them — and a start still running then hands its component to no one.
 *
 * @example
 * ```ts
 * [server, sims, identity] = await startAll([startTemporalDevServer(), startSimulators(), startIdentity()]);
 * ```
 */
export async function startAll<T extends readonly unknown[] | []>(starts: T): Promise<{ -readonly [P in keyof T]: Awaited<T[P]> }> {
  const results: PromiseSettledResult<unknown>[] = await Promise.allSettled(starts as readonly unknown[]);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed === undefined) return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [P in keyof T]: Awaited<T[P]> };
  await Promise.allSettled(results.map((r) => (r.status === 'fulfilled' ? stopOf(r.value)?.() : undefined)));
  throw (failed as PromiseRejectedResult).reason;
}
