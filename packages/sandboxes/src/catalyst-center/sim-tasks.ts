/**
 * Asynchronous tasks of the analysis APIs (Command Runner, Path Trace) and their
 * `GET /dna/intent/api/v1/task/{taskId}` answers. Template deployment tasks stay in
 * `simulator.ts`; this route answers only its own ids and passes others on.
 */
import { randomUUID } from 'node:crypto';
import express, { type Router } from 'express';

interface SimTask {
  id: string;
  serviceType: string;
  startTime: number;
  endTime: number;
  pendingProgress: string;
  doneProgress: string;
  failureReason?: string;
  onDone?: () => void;
  settled: boolean;
}

/** Creates and answers analysis tasks. */
export interface SimTasks {
  /** Registers a task that finishes after `durationMs` (then `onDone` runs once) and returns its id. */
  create(task: { serviceType: string; durationMs: number; pendingProgress: string; doneProgress: string; failureReason?: string; onDone?: () => void }): string;
  /** Runs `onDone` of every task whose time has come. */
  settle(): void;
  /** `GET /v1/task/:taskId` for the analysis tasks (other ids fall through). */
  routes(): Router;
}

/**
 * A task registry: tasks finish by the clock, evaluated when asked (no timers to clean up).
 *
 * @example
 * ```ts
 * const id = tasks.create({ serviceType: 'Command Runner Service', durationMs: 200, pendingProgress: '…', doneProgress: '{"fileId":"…"}' });
 * ```
 */
export function createSimTasks(username: () => string): SimTasks {
  const tasks = new Map<string, SimTask>();
  const settle = (): void => {
    const now = Date.now();
    for (const t of tasks.values()) {
      if (!t.settled && now >= t.endTime) {
        t.settled = true;
        t.onDone?.();
      }
    }
  };
  return {
    create(spec) {
      const id = randomUUID();
      const startTime = Date.now();
      tasks.set(id, { id, ...spec, startTime, endTime: startTime + spec.durationMs, settled: false });
      return id;
    },
    settle,
    routes() {
      const api = express.Router();
      api.get('/v1/task/:taskId', (req, res, next) => {
        const task = tasks.get(String(req.params['taskId']));
        if (!task) return next();
        settle();
        const done = task.settled;
        const isError = done && task.failureReason !== undefined;
        res.json({
          response: {
            id: task.id,
            rootId: task.id,
            serviceType: task.serviceType,
            username: username(),
            version: task.startTime,
            startTime: task.startTime,
            ...(done ? { endTime: task.endTime, lastUpdate: task.endTime } : { lastUpdate: task.startTime }),
            progress: done ? task.doneProgress : task.pendingProgress,
            isError,
            ...(isError ? { failureReason: task.failureReason, errorCode: 'NCTS00010' } : {}),
          },
          version: '1.0',
        });
      });
      return api;
    },
  };
}
