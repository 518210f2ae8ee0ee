/**
 * How the platform runs the OPA server — one definition for `pnpm start`, `pnpm bench`, `pnpm chaos`,
 * the integration tests (test-support's `startOpa`), docker-compose.yml and the Kubernetes base
 * (deploy-checks checks that compose and the generated manifests carry exactly these settings).
 *
 * - **The optimized bundle** `policies/dist/opa-bundle.tar.gz` (`pnpm --filter @mcp-platform/policies
 *   build`: `opa build -O=2` with the decision entrypoints, tests left out), not the policy directory:
 *   the entrypoints are partially evaluated and inlined at build time, so each decision evaluates less.
 * - **Go GC paced for a small heap and a high allocation rate** ({@link OPA_SERVER_ENV}).
 * - **No per-request access log** ({@link OPA_SERVER_FLAGS}): decision logs (and the spine's audit
 *   events) record every decision already; OPA's own "Received request"/"Sent response" lines doubled
 *   the log volume and the time spent writing logs in the request path.
 *
 * See docs/benchmarks.md ("The OPA server's decision") for what each setting measured.
 * @module
 */

/**
 * Environment of every OPA server process.
 *
 * OPA's live heap with the platform's bundle is ~5 MB and each decision allocates ~25–30 kB, so with
 * Go's default `GOGC=100` the collector ran every ~70 ms (about every 200 decisions), and the decisions
 * that overlapped its mark phase made the p99. `GOGC=2000` lets the heap grow to ~20× the live heap
 * (≈ 100 MB) before a cycle, about 20× fewer cycles; `GOMEMLIMIT=384MiB` (75 % of the Kubernetes
 * memory limit of 512 MiB) is the soft ceiling at which the collector runs regardless of `GOGC`, so a
 * larger bundle or data set cannot grow the heap past the container's limit.
 */
export const OPA_SERVER_ENV: Readonly<Record<string, string>> = Object.freeze({ GOGC: '2000', GOMEMLIMIT: '384MiB' });

/**
 * Flags of every OPA server process, besides the address, the bundle, the log format and the
 * configuration: access logs are emitted at `debug` (so not at the default `info`; errors still are
 * logged, and decision logs are unaffected), and no version check against GitHub at start (no egress
 * from the policy engine).
 */
export const OPA_SERVER_FLAGS: readonly string[] = Object.freeze(['--log-level-request', 'debug', '--skip-version-check']);

/** What {@link opaServerArgs} needs. */
export interface OpaServerArgsOptions {
  /** Listening address, e.g. `127.0.0.1:8181`. */
  addr: string;
  /** The bundle to serve: a `.tar.gz` from `opa build` (production: `policies/dist/opa-bundle.tar.gz`) or a bundle directory. */
  bundle: string;
  /** Write every decision to the console as JSON (OPA's `decision_logs.console`), masked by the bundle's `system.log.mask`. Default true, as compose and Kubernetes do. */
  decisionLogs?: boolean;
  /** OPA's `--log-level`. Default `info`. */
  logLevel?: 'debug' | 'info' | 'error';
}

/**
 * The `opa` arguments of a local OPA server (JSON logs, {@link OPA_SERVER_FLAGS}, decision logs to the
 * console with the bundle's masking), as compose runs it; start the process with {@link OPA_SERVER_ENV}.
 *
 * @example
 * ```ts
 * spawn(findOpa()!, opaServerArgs({ addr: '127.0.0.1:8181', bundle: POLICY_BUNDLE }), { env: { ...process.env, ...OPA_SERVER_ENV } });
 * ```
 */
export function opaServerArgs(options: OpaServerArgsOptions): string[] {
  if (options.addr === '') throw new TypeError('addr must be a listening address such as 127.0.0.1:8181');
  if (options.bundle === '') throw new TypeError('bundle must be the path of a bundle file or directory');
  const decisionLogs = options.decisionLogs ?? true;
  return [
    'run',
    '--server',
    '--addr',
    options.addr,
    '--log-format',
    'json',
    '--log-level',
    options.logLevel ?? 'info',
    ...OPA_SERVER_FLAGS,
    ...(decisionLogs ? ['--set', 'decision_logs.console=true', '--set', 'decision_logs.mask_decision=/system/log/mask'] : []),
    '--bundle',
    options.bundle,
  ];
}
