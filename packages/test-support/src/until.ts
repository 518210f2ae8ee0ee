/** Options of {@link until}. */
export interface UntilOptions {
  /** Give up after this many ms. Default 60000. */
  timeoutMs?: number;
  /** Pause between probes, in ms. Default 100. */
  intervalMs?: number;
  /**
   * A probe that throws is asked again (a query while the worker process is still starting) — its last error
   * is named if time runs out. `false`: the first error fails the wait at once. Default true.
   */
  retryErrors?: boolean;
}

/**
 * Asks `probe` until it answers something other than `undefined` and returns that answer; throws
 * "timed out waiting for <what>" after `timeoutMs`.
 *
 * @example
 * ```ts
 * await until('awaiting approval', async () => ((await deployments.status(id)).progress?.step === 'awaiting_approval' ? true : undefined), { timeoutMs: 150_000 });
 * ```
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, options: UntilOptions = {}): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 100, retryErrors = true } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    let v: T | undefined;
    try {
      v = await probe();
    } catch (err) {
      if (!retryErrors) throw err;
      lastError = err;
    }
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last probe error: ${lastError.message})` : '';
      throw new Error(`timed out waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
