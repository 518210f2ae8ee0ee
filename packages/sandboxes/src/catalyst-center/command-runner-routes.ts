/**
 * Command Runner and the task/file APIs it reports through (mounted under `/dna/intent/api`),
 * following Cisco's "Command Runner Guide" (developer.cisco.com/docs/dna-center/command-runner):
 *
 * 1. `GET /v1/network-device-poller/cli/legit-reads` → `{"response": ["show", …]}` (accepted first keywords)
 * 2. `POST /v1/network-device-poller/cli/read-request` `{commands, deviceUuids, timeout, name?, description?}`
 *    → 202 `{"response": {"taskId", "url"}, "version"}`
 * 3. `GET /v1/task/{taskId}` → pending until done, then `progress` is the JSON text `{"fileId":"…"}`
 * 4. `GET /v1/file/{fileId}` → `[{"deviceUuid", "commandResponses": {"SUCCESS": {cmd: out}, "FAILURE": {…}, "BLACKLISTED": {…}}}]`
 *
 * A device that is unreachable answers in `FAILURE` with a timeout message once the task ends.
 */
import { randomUUID } from 'node:crypto';
import express, { type Router } from 'express';
import type { AnalysisSeed } from './analysis-seed.ts';
import { sendError } from './api-helpers.ts';
import { LEGIT_READ_KEYWORDS, runCli } from './device-cli.ts';
import type { CatalystSeed } from './seed.ts';
import type { SimTasks } from './sim-tasks.ts';

/** One read-request the simulator received (test hook: "nothing reached Catalyst Center"). */
export interface CommandRequestRecord {
  receivedAt: number;
  commands: string[];
  deviceUuids: string[];
  timeout: number | undefined;
  status: number;
  taskId?: string;
}

/** Limits of one read-request (Command Runner accepts up to 5 commands, as APIC-EM did). */
const MAX_COMMANDS = 5;
const MAX_DEVICES = 100;

/** Command Runner routes over `inventory` / `analysis`, registering tasks in `tasks`. */
export function commandRunnerRoutes(
  inventory: CatalystSeed,
  analysis: AnalysisSeed,
  tasks: SimTasks,
  records: CommandRequestRecord[],
  durationMs: () => number,
): Router {
  const api = express.Router();
  const files = new Map<string, unknown>();

  api.get('/v1/network-device-poller/cli/legit-reads', (_req, res) => {
    res.json({ response: [...LEGIT_READ_KEYWORDS], version: '1.0' });
  });

  api.post('/v1/network-device-poller/cli/read-request', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const commands = body['commands'];
    const deviceUuids = body['deviceUuids'];
    const timeout = body['timeout'];
    const record: CommandRequestRecord = {
      receivedAt: Date.now(),
      commands: Array.isArray(commands) ? commands.filter((c): c is string => typeof c === 'string') : [],
      deviceUuids: Array.isArray(deviceUuids) ? deviceUuids.filter((d): d is string => typeof d === 'string') : [],
      timeout: typeof timeout === 'number' ? timeout : undefined,
      status: 400,
    };
    records.push(record);
    const reject = (detail: string) => sendError(res, 400, 'NCND00302', 'Invalid input', detail);
    if (!Array.isArray(commands) || commands.length === 0 || commands.some((c) => typeof c !== 'string' || c.trim() === '')) return reject('commands must be a non-empty list of commands');
    if (commands.length > MAX_COMMANDS) return reject(`at most ${MAX_COMMANDS} commands per request`);
    if (!Array.isArray(deviceUuids) || deviceUuids.length === 0 || deviceUuids.some((d) => typeof d !== 'string')) return reject('deviceUuids must be a non-empty list of device ids');
    if (deviceUuids.length > MAX_DEVICES) return reject(`at most ${MAX_DEVICES} devices per request`);
    if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0 || timeout > 3600)) return reject('timeout must be an integer number of seconds (0-3600)');
    const devices = (deviceUuids as string[]).map((id) => inventory.devices.find((d) => d.id === id));
    const unknown = (deviceUuids as string[]).filter((_, i) => devices[i] === undefined);
    if (unknown.length > 0) return reject(`Unknown device id(s): ${unknown.map((u) => u.slice(0, 40)).join(', ')}`);

    const seconds = typeof timeout === 'number' && timeout > 0 ? timeout : 300;
    const fileId = randomUUID();
    const content = devices.map((device) => {
      const commandResponses: Record<'SUCCESS' | 'FAILURE' | 'BLACKLISTED', Record<string, string>> = { SUCCESS: {}, FAILURE: {}, BLACKLISTED: {} };
      for (const command of commands as string[]) {
        if (device!.reachabilityStatus !== 'Reachable') {
          commandResponses.FAILURE[command] = `Timeout: ${device!.hostname} (${device!.managementIpAddress}) did not respond within ${seconds} seconds`;
          continue;
        }
        const result = runCli(device!, analysis, command);
        commandResponses[result.status][command] = result.output;
      }
      return { deviceUuid: device!.id, commandResponses };
    });
    const taskId = tasks.create({
      serviceType: 'Command Runner Service',
      durationMs: durationMs(),
      pendingProgress: 'CLI Runner request creation',
      doneProgress: JSON.stringify({ fileId }),
      onDone: () => files.set(fileId, content),
    });
    record.status = 202;
    record.taskId = taskId;
    res.status(202).json({ response: { taskId, url: `/api/v1/task/${taskId}` }, version: '1.0' });
  });

  api.get('/v1/file/:fileId', (req, res) => {
    tasks.settle();
    const content = files.get(String(req.params['fileId']));
    if (content === undefined) {
      sendError(res, 404, 'NCFS00001', 'File not found', 'No file with that id');
      return;
    }
    res.json(content);
  });

  return api;
}
