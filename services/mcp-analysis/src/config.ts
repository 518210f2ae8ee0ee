import { serverByKey } from '@mcp-platform/registry';
import { parseConfig, positiveInt, serverEnv, withCommonRules, type Env } from '@mcp-platform/mcp-common/config';
import { catalystCenterEnv } from '@mcp-platform/connectors/catalyst-center';
import { z } from 'zod';

/** Everything mcp-analysis reads from the environment — the only place that does. */
export const configSchema = withCommonRules(
  z.object({
    ...serverEnv(serverByKey('analysis').port),
    /** Catalyst Center: `CATALYST_BASE_URL`, `CATALYST_TIMEOUT_MS`, `CATALYST_SECRET_NAME` (the connector's one list). */
    ...catalystCenterEnv,
    /**
     * How long a Catalyst Center read (Assurance health and issues, the configuration archive, a Command Runner
     * result file) is answered from the read cache without asking Catalyst Center, in ms; default 2000, as in
     * mcp-network (the spine's default is 0). What is read is Catalyst Center's own aggregate of collected
     * telemetry, or immutable (a result file), so 2 s adds little; a command run or a path trace started through
     * this process ends the window at once; Command Runner tasks and path traces are never served from it.
     * 0 = always ask. Reasoning: docs/reliability.md, "The read cache's fresh window".
     */
    UPSTREAM_CACHE_FRESH_MS: z.coerce.number().int().min(0).default(2_000),
    /** Seconds Catalyst Center gives devices to answer a command (its `timeout`); a slower device is reported as timed out. */
    COMMAND_TIMEOUT_SECONDS: positiveInt(30).pipe(z.number().max(300)),
    /** How long a tool waits for a Command Runner task before giving up, in ms (must be below REQUEST_TIMEOUT_MS). */
    COMMAND_WAIT_MS: positiveInt(45_000),
    /** Delay between polls of a Command Runner task, in ms. */
    COMMAND_POLL_INTERVAL_MS: positiveInt(1_000),
    /** Most devices one command may target. */
    COMMAND_MAX_DEVICES: positiveInt(10).pipe(z.number().max(100)),
    /** Largest Command Runner result file read, in bytes (larger is refused unread). */
    COMMAND_FILE_MAX_BYTES: positiveInt(8 * 1024 * 1024),
    /** Largest output of one command on one device returned to the caller, in bytes (longer is truncated with a note). */
    OUTPUT_MAX_BYTES: positiveInt(64 * 1024),
    /** Largest total output of one call, in bytes (further outputs are truncated with a note). */
    OUTPUT_TOTAL_MAX_BYTES: positiveInt(256 * 1024),
    /** How long start_path_trace waits for the analysis to finish before returning it in progress, in ms. */
    PATH_TRACE_WAIT_MS: z.coerce.number().int().min(0).default(10_000),
    /** Delay between polls of a flow analysis, in ms. */
    PATH_TRACE_POLL_INTERVAL_MS: positiveInt(500),
  }),
).superRefine((raw, ctx) => {
  if (raw.COMMAND_WAIT_MS >= raw.REQUEST_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', path: ['COMMAND_WAIT_MS'], message: `must be below REQUEST_TIMEOUT_MS (${raw.REQUEST_TIMEOUT_MS}) so the tool can answer before its deadline` });
  }
  if (raw.PATH_TRACE_WAIT_MS >= raw.REQUEST_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', path: ['PATH_TRACE_WAIT_MS'], message: `must be below REQUEST_TIMEOUT_MS (${raw.REQUEST_TIMEOUT_MS})` });
  }
  if (raw.OUTPUT_MAX_BYTES > raw.OUTPUT_TOTAL_MAX_BYTES) {
    ctx.addIssue({ code: 'custom', path: ['OUTPUT_MAX_BYTES'], message: 'must not exceed OUTPUT_TOTAL_MAX_BYTES' });
  }
});

export type AnalysisConfig = z.output<typeof configSchema>;

/**
 * Parses and validates the configuration; throws a `ConfigError` naming each bad variable.
 *
 * @example
 * ```ts
 * const config = loadConfig(process.env);
 * ```
 */
export function loadConfig(env: Env): AnalysisConfig {
  return parseConfig('mcp-analysis', configSchema, env);
}

/**
 * DEV ONLY: the credentials of the local Catalyst Center simulator, served when no
 * Vault and no secrets file are configured (`ALLOW_DEV_SECRETS=true`, the local default).
 */
export const DEV_SECRETS = {
  'catalyst-center': { username: 'admin', password: 'dev-only-catalyst-password' },
};
