import { fileIdFromTask, type CommandRunnerResult } from '@mcp-platform/connectors/catalyst-center';
import { PlatformError, isPlatformError } from '@mcp-platform/mcp-common/errors';
import type { ToolContext } from '@mcp-platform/mcp-common/server';
import type { AnalysisDeps } from './deps.ts';
import type { TargetDevice } from './devices.ts';
import { outputBudget } from './output.ts';
import { redactSecrets } from './redact.ts';

/** How one command ended on one device. */
export type CommandStatus = 'SUCCESS' | 'FAILURE' | 'BLACKLISTED' | 'NO_RESULT';

/** One device's answer to one command, redacted and capped. */
export interface DeviceCommandOutput {
  device: TargetDevice;
  status: CommandStatus;
  /** Redacted output (or Catalyst Center's failure message), capped with a truncation note. */
  output: string;
  truncated: boolean;
  /** Size of the full redacted output, in bytes. */
  bytes: number;
  /** How many secret values were redacted. */
  redactions: number;
}

class CommandRunnerTimeoutError extends PlatformError<'ERR_UPSTREAM_TIMEOUT'> {}
class CommandRunnerFailedError extends PlatformError<'ERR_UPSTREAM_REJECTED'> {}

/** Milliseconds kept back from the call's deadline to shape an answer after the last poll. */
const ANSWER_MARGIN_MS = 2_000;

/**
 * Runs one (already validated and authorized) read-only command on `devices` through
 * Command Runner: submits the read request, polls its task until the result file is ready
 * (bounded by the configured wait and the call's deadline), reads the file (bounded in
 * size), then redacts and caps every output. Outputs never reach a log line.
 *
 * @example
 * ```ts
 * const outputs = await runCommand(ctx, devices, 'show version');
 * ```
 */
export async function runCommand(ctx: ToolContext<AnalysisDeps>, devices: TargetDevice[], command: string): Promise<{ taskId: string; outputs: DeviceCommandOutput[] }> {
  const { deps, signal, logger } = ctx;
  const { limits } = deps;
  const ref = await deps.catalyst.runReadOnlyCommands(
    { commands: [command], deviceUuids: devices.map((d) => d.id), timeout: limits.commandTimeoutSeconds, name: 'mcp-analysis', description: `requested by ${ctx.principal.id}` },
    { signal },
  );
  logger.info('command runner task started', { event: { action: 'command-runner' }, labels: { task_id: ref.taskId, devices: devices.length } });
  const waitMs = Math.max(1, Math.min(limits.commandWaitMs, ctx.deadline - Date.now() - ANSWER_MARGIN_MS));
  let task;
  try {
    task = await deps.catalyst.waitForTask(ref.taskId, { pollIntervalMs: limits.commandPollIntervalMs, timeoutMs: waitMs, signal });
  } catch (err) {
    if (isPlatformError(err, 'ERR_UPSTREAM_TIMEOUT') && !signal.aborted) {
      throw new CommandRunnerTimeoutError(
        'ERR_UPSTREAM_TIMEOUT',
        `Command Runner task ${ref.taskId} did not finish within ${Math.round(waitMs / 1000)} s (slow or unreachable devices); try fewer devices`,
        { cause: err },
      );
    }
    throw err;
  }
  if (task.isError) throw new CommandRunnerFailedError('ERR_UPSTREAM_REJECTED', `Command Runner task ${ref.taskId} failed: ${(task.failureReason ?? 'no reason given').slice(0, 300)}`);
  const fileId = fileIdFromTask(task);
  if (!fileId) throw new CommandRunnerFailedError('ERR_UPSTREAM_REJECTED', `Command Runner task ${ref.taskId} finished without a result file`);
  const file = await deps.catalyst.getCommandRunnerFile(fileId, { signal, maxBytes: limits.fileMaxBytes });
  return { taskId: ref.taskId, outputs: shapeOutputs(file, devices, command, limits.outputMaxBytes, limits.outputTotalMaxBytes) };
}

/** Each device's result for `command`, redacted then capped (per output and in total). */
export function shapeOutputs(file: CommandRunnerResult[], devices: TargetDevice[], command: string, perOutput: number, total: number): DeviceCommandOutput[] {
  const budget = outputBudget(perOutput, total);
  return devices.map((device) => {
    const entry = file.find((f) => f.deviceUuid === device.id);
    const responses = entry?.commandResponses;
    const pick = (): [CommandStatus, string] => {
      if (!responses) return ['NO_RESULT', 'Catalyst Center returned no result for this device.'];
      if (command in responses.SUCCESS) return ['SUCCESS', responses.SUCCESS[command] ?? ''];
      if (command in responses.FAILURE) return ['FAILURE', responses.FAILURE[command] ?? ''];
      if (command in responses.BLACKLISTED) return ['BLACKLISTED', `Catalyst Center refused the command: ${responses.BLACKLISTED[command] ?? ''}`];
      return ['NO_RESULT', 'Catalyst Center returned no result for this command.'];
    };
    const [status, raw] = pick();
    const redacted = redactSecrets(raw);
    const capped = budget.take(redacted.text);
    return { device, status, output: capped.text, truncated: capped.truncated, bytes: capped.bytes, redactions: redacted.redactions };
  });
}
