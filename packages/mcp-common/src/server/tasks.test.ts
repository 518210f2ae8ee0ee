/**
 * The Tasks extension (SEP-2663) in the spine, with the SDK's own client on 2026-07-28: a tool
 * answers a task-declaring request with a task, tasks/get|cancel|update are served, decided by the
 * policy, and refused to clients that did not declare the extension. The backend is a table here
 * (mcp-network's Temporal backend is exercised in its own suite).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectRecordingClient, type RecordingClient, MemoryLogger } from '@mcp-platform/test-support';
import type { Authorizer, Decision, PolicyInput } from '../authz/index.ts';
import { type RunningServer } from './listen.ts';
import { TASKS_EXTENSION, type TaskBackend, type TaskState } from './tasks.ts';
import { defineTool } from './tool.ts';
import { serveMcpApp, stubVerifier } from './serve.fixture.ts';

const USERS: Record<string, { id: string; groups: string[] }> = {
  'token-owner': { id: 'olga', groups: ['workers'] },
  'token-other': { id: 'otto', groups: ['workers'] },
};
const verifier = stubVerifier((token) => USERS[token], 'c');
// Policy stand-in: a task is visible to and cancellable by its owner only.
const decisions: PolicyInput[] = [];
const authorizer: Authorizer = {
  async decide(input: PolicyInput): Promise<Decision> {
    decisions.push(input);
    if (input.tool.startsWith('tasks/')) return input.resource?.['owner'] === input.subject.id ? { allow: true, reasons: [] } : { allow: false, reasons: ['not your task'] };
    return { allow: true, reasons: [] };
  },
  ready: async () => true,
  close: async () => {},
};

const tasks = new Map<string, { task: TaskState; owner: string; inputs: Record<string, unknown>[] }>();
const now = () => new Date().toISOString();
const backend: TaskBackend = {
  get: async (taskId) => {
    const t = tasks.get(taskId);
    return t && { task: t.task, resource: { owner: t.owner } };
  },
  cancel: async (taskId) => {
    const t = tasks.get(taskId)!;
    t.task = { ...t.task, status: 'cancelled', statusMessage: 'cancelled on request', lastUpdatedAt: now() };
  },
  update: async (taskId, inputResponses) => void tasks.get(taskId)!.inputs.push(inputResponses),
};
const tools = [
  defineTool<object>()({
    name: 'start_job',
    title: 'Start a job',
    description: 'Starts durable work.',
    action: 'execute',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    input: z.object({ name: z.string(), inline: z.boolean().default(false) }),
    output: z.object({ jobId: z.string() }),
    handler: async (args, ctx) => {
      asTaskSeen.push(ctx.asTask);
      // Work small enough to finish inside the call: no task, whoever asks.
      if (args.inline) return { jobId: `inline-${args.name}` };
      const jobId = `job-${args.name}`;
      tasks.set(jobId, { owner: ctx.principal.id, inputs: [], task: { status: 'working', statusMessage: 'started', createdAt: now(), lastUpdatedAt: now(), ttlMs: null, pollIntervalMs: 1000 } });
      return { jobId };
    },
    task: (out) => (out.jobId.startsWith('inline-') ? undefined : out.jobId),
  }),
];
/** What each call's handler saw as `ctx.asTask`. */
const asTaskSeen: boolean[] = [];

let running: RunningServer;
let url: string;
const logger = new MemoryLogger();
beforeAll(async () => {
  // The public URL (the token audience) is the app's own loopback address.
  ({ url, running } = await serveMcpApp(logger, (publicUrl) => ({ service: { name: 't', version: '1' }, serverId: 'test', upstreamName: 'T', publicUrl, tools, deps: {}, logger, verifier, issuer: 'http://127.0.0.1:1', authorizer, tasks: backend })));
});
afterAll(() => running?.close());

/** An SDK client on 2026-07-28; with `tasks` it declares the extension. Raw response bodies are kept (the SDK client has no tasks support to decode them). */
async function client(token: string, withTasks: boolean): Promise<RecordingClient> {
  return connectRecordingClient(url, token, { name: 't', ...(withTasks ? { extensions: { [TASKS_EXTENSION]: {} } } : {}) });
}
const TaskResult = z.looseObject({ taskId: z.string(), status: z.string(), statusMessage: z.string().optional() });

describe('Tasks extension (SEP-2663) on 2026-07-28', () => {
  it('answers a task-declaring tools/call with a durable task; a caller without the extension gets the result', async () => {
    const plain = await client('token-owner', false);
    const r = await plain.c.callTool({ name: 'start_job', arguments: { name: 'a' } });
    expect(r.structuredContent).toEqual({ jobId: 'job-a' });

    const withTasks = await client('token-owner', true);
    await expect(withTasks.c.callTool({ name: 'start_job', arguments: { name: 'b' } })).rejects.toThrow(/task/);
    const created = withTasks.bodies.map((b) => (b as { result?: Record<string, unknown> }).result).find((res) => res?.['resultType'] === 'task');
    expect(created).toMatchObject({ resultType: 'task', taskId: 'job-b', status: 'working', statusMessage: 'started', ttlMs: null, pollIntervalMs: 1000 });
    expect(created?.['createdAt']).toMatch(/^\d{4}-/);
  });

  it('a tool may answer a task-declaring call without a task (task() gives undefined); ctx.asTask tells the handler which callers get one', async () => {
    asTaskSeen.length = 0;
    const withTasks = await client('token-owner', true);
    const r = await withTasks.c.callTool({ name: 'start_job', arguments: { name: 'c', inline: true } });
    expect(r.structuredContent).toEqual({ jobId: 'inline-c' });
    expect((r as Record<string, unknown>)['resultType']).toBeUndefined();
    expect(tasks.has('inline-c')).toBe(false);
    const plain = await client('token-owner', false);
    await plain.c.callTool({ name: 'start_job', arguments: { name: 'd', inline: true } });
    expect(asTaskSeen).toEqual([true, false]);
  });

  it('tasks/get answers the owner, hides the task from others (not found), and needs the extension', async () => {
    const owner = await client('token-owner', true);
    expect(await owner.c.request({ method: 'tasks/get', params: { taskId: 'job-b' } }, TaskResult)).toMatchObject({ taskId: 'job-b', status: 'working' });
    const other = await client('token-other', true);
    await expect(other.c.request({ method: 'tasks/get', params: { taskId: 'job-b' } }, TaskResult)).rejects.toThrow(/Task not found/);
    await expect(other.c.request({ method: 'tasks/get', params: { taskId: 'job-nope' } }, TaskResult)).rejects.toThrow(/Task not found/);
    expect(decisions.filter((d) => d.tool === 'tasks/get').at(-1)).toMatchObject({ subject: { id: 'otto' }, action: 'read', resource: { owner: 'olga' }, arguments: { task_id: 'job-b' } });
    const undeclared = await client('token-owner', false);
    await expect(undeclared.c.request({ method: 'tasks/get', params: { taskId: 'job-b' } }, TaskResult)).rejects.toThrow(/capabilit/i);
  });

  it('tasks/update and tasks/cancel reach the backend for the owner only', async () => {
    const other = await client('token-other', true);
    await expect(other.c.request({ method: 'tasks/cancel', params: { taskId: 'job-b' } }, z.looseObject({}))).rejects.toThrow(/Task not found/);
    expect(tasks.get('job-b')?.task.status).toBe('working');
    const owner = await client('token-owner', true);
    await owner.c.request({ method: 'tasks/update', params: { taskId: 'job-b', inputResponses: { confirm: { action: 'accept', content: { ok: true } } } } }, z.looseObject({}));
    expect(tasks.get('job-b')?.inputs).toEqual([{ confirm: { action: 'accept', content: { ok: true } } }]);
    await owner.c.request({ method: 'tasks/cancel', params: { taskId: 'job-b' } }, z.looseObject({}));
    expect(await owner.c.request({ method: 'tasks/get', params: { taskId: 'job-b' } }, TaskResult)).toMatchObject({ status: 'cancelled' });
  });
});
