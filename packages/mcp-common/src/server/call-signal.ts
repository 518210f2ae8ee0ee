/** One tool call's abort signal and the way to stop watching once the call is over. */
export interface CallSignal {
  /** Aborted when the client goes away (its signal's reason) or at the deadline (a `TimeoutError`). */
  readonly signal: AbortSignal;
  /** The call is over: its deadline timer is cleared and the client's signal is no longer watched. Idempotent. */
  done(): void;
}

/**
 * The signal of one tool call: the client's abort and the call's deadline in one signal, as
 * `AbortSignal.any([AbortSignal.timeout(ms), client])` gives it (same reasons: the client's, or a
 * `TimeoutError` `DOMException`), but with a deadline timer that is cleared when the call ends:
 * `AbortSignal.timeout` cannot be cancelled, so every finished call would leave its timer (and
 * the composite's bookkeeping) in place until the deadline, 60 s of them under load.
 *
 * @example
 * ```ts
 * const call = callSignal(clientSignal, 60_000);
 * try {
 *   await handler(args, { signal: call.signal });
 * } finally {
 *   call.done();
 * }
 * ```
 */
export function callSignal(client: AbortSignal | undefined, timeoutMs: number): CallSignal {
  return new DeadlineSignal(client, timeoutMs);
}

// A class, not closures: nothing is allocated per call beyond the controller, its timer and this object.
class DeadlineSignal implements CallSignal {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly client: AbortSignal | undefined;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(client: AbortSignal | undefined, timeoutMs: number) {
    this.signal = this.controller.signal;
    this.client = client;
    if (client?.aborted) {
      this.controller.abort(client.reason);
      return;
    }
    this.timer = setTimeout(onDeadline, timeoutMs, this);
    this.timer.unref();
    client?.addEventListener('abort', this, { once: true });
  }

  /** The client's signal aborted (this object is its listener). */
  handleEvent(): void {
    clearTimeout(this.timer);
    this.controller.abort(this.client?.reason);
  }

  /** The deadline passed. */
  expire(): void {
    this.client?.removeEventListener('abort', this);
    this.controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }

  done(): void {
    clearTimeout(this.timer);
    this.client?.removeEventListener('abort', this);
  }
}

function onDeadline(call: DeadlineSignal): void {
  call.expire();
}
