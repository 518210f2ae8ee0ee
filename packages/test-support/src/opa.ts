import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { freeLoopbackPort } from '@mcp-platform/tooling/local';
import { OPA_VERSION, findOpa } from '@mcp-platform/tooling/opa';
import { OPA_SERVER_ENV, opaServerArgs } from '@mcp-platform/tooling/opa-server';

/**
 * The OPA binary the platform's tooling uses (`$OPA_BIN`, the pinned cache, `PATH`), or `undefined`.
 * The lookup itself lives in `packages/tooling/src/opa.ts` (@mcp-platform/tooling).
 */
export function findOpaBinary(): string | undefined {
  return findOpa();
}

/** A free loopback TCP port (bound, read, released). */
export const freePort = freeLoopbackPort;

export interface StartOpaOptions {
  /** Directory (bundle root) of policies and data, e.g. `POLICY_DIR` (the sources). Give this or {@link StartOpaOptions.bundle}. */
  policyDir?: string;
  /** A built bundle, e.g. `POLICY_BUNDLE` (`policies/dist/opa-bundle.tar.gz`, what every deployment loads). */
  bundle?: string;
  /** The OPA binary. Default: {@link findOpaBinary}. */
  opaBin?: string;
  /** How long to wait for `/health`, in milliseconds. Default 15000. */
  startTimeoutMs?: number;
  /**
   * Write decision logs to the console as `pnpm start` does (`--set decision_logs.console=true`,
   * JSON, level info); read them with {@link RunningOpa.output}. Default false.
   */
  decisionLogs?: boolean;
  /**
   * Send OPA's output (its logs and decision logs) to this file instead of a pipe into this process,
   * as a container runtime takes it: a benchmark's measuring process then does not read every decision
   * log line. {@link RunningOpa.output} reads the file. Default: a pipe.
   */
  logFile?: string;
}

export interface RunningOpa {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** The OPA process's id (e.g. for its CPU time in `/proc/<pid>/stat`). */
  pid: number | undefined;
  /** SIGTERM, then wait for exit. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL (a crash), then wait for exit. Idempotent. */
  kill(): Promise<void>;
  /**
   * SIGSTOP, resolved once the process is stopped: the socket still accepts
   * connections but nothing answers (a hung engine).
   */
  pause(): Promise<void>;
  /** SIGCONT after {@link RunningOpa.pause}. */
  resume(): void;
  /** Everything OPA wrote (stdout and stderr), e.g. its decision logs. */
  output(): string;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Waits until `pid` is in the stopped state (Linux: /proc; elsewhere a short grace period). */
async function stopped(pid: number | undefined): Promise<void> {
  const statFile = `/proc/${String(pid)}/stat`;
  for (let i = 0; i < 200; i++) {
    if (pid === undefined || !existsSync(statFile)) break;
    // Field 3 (after the parenthesised command name) is the state; T = stopped.
    const state = readFileSync(statFile, 'utf8').replace(/^.*\) /s, '').charAt(0);
    if (state === 'T' || state === 't') return;
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 100));
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`opa exited early: ${output()}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`opa did not become healthy within ${String(timeoutMs)} ms: ${output()}`);
}

/**
 * Starts a real OPA server on a free loopback port, the way every deployment runs it (`opaServerArgs`
 * and `OPA_SERVER_ENV` of `@mcp-platform/tooling/opa-server`), with the given policies, and waits
 * until `/health` answers.
 *
 * @example
 * ```ts
 * const opa = await startOpa({ policyDir: POLICY_DIR }); // import { POLICY_DIR } from '@mcp-platform/policies'
 * afterAll(() => opa.stop());
 * const authorizer = createOpaAuthorizer({ url: opa.url });
 * ```
 */
export async function startOpa(options: StartOpaOptions): Promise<RunningOpa> {
  const opa = options.opaBin ?? findOpaBinary();
  if (opa === undefined) throw new Error(`no OPA binary: set OPA_BIN or run \`pnpm tools ensure\` (OPA ${OPA_VERSION})`);
  const bundle = options.bundle ?? options.policyDir;
  if (bundle === undefined || (options.bundle !== undefined && options.policyDir !== undefined)) throw new TypeError('startOpa needs exactly one of policyDir and bundle');
  const decisionLogs = options.decisionLogs ?? false;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${String(port)}`;
    const args = opaServerArgs({ addr: `127.0.0.1:${String(port)}`, bundle, decisionLogs, logLevel: decisionLogs ? 'info' : 'error' });
    const fd = options.logFile === undefined ? undefined : openSync(options.logFile, 'a');
    const child = spawn(opa, args, { stdio: fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd], env: { ...process.env, ...OPA_SERVER_ENV } });
    if (fd !== undefined) closeSync(fd); // the child has its own copy
    let stderr = '';
    let all = '';
    const logFile = options.logFile;
    const output = logFile === undefined ? () => all : () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      all += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      all += chunk;
      stderr = (stderr + chunk).slice(-4000);
    });
    const signal = async (sig: NodeJS.Signals): Promise<void> => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill(sig);
      await exited(child);
    };
    try {
      await waitHealthy(url, child, options.startTimeoutMs ?? 15_000, logFile === undefined ? () => stderr : () => output().slice(-4000));
      return {
        url,
        port,
        pid: child.pid,
        stop: () => signal('SIGTERM'),
        kill: () => signal('SIGKILL'),
        pause: async () => {
          child.kill('SIGSTOP');
          await stopped(child.pid);
        },
        resume: () => void child.kill('SIGCONT'),
        output,
      };
    } catch (err) {
      lastError = err;
      await signal('SIGKILL');
    }
  }
  throw lastError instanceof Error ? lastError : new Error('opa failed to start');
}
