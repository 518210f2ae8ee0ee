import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

/** The extensions a client declares, as the SDK types them (e.g. `{ [TASKS_EXTENSION]: {} }`). */
type ClientExtensions = NonNullable<NonNullable<NonNullable<ConstructorParameters<typeof Client>[1]>['capabilities']>['extensions']>;

/** An SDK client plus every JSON body its server answered with, in order. */
export interface RecordingClient {
  c: Client;
  bodies: unknown[];
}

/**
 * Connects an SDK client pinned to 2026-07-28 to `url` with `token` as its bearer, declaring
 * `extensions` (e.g. `{ [TASKS_EXTENSION]: {} }`), and keeps the raw JSON body of every answer —
 * for what the SDK client cannot decode yet, such as a `tools/call` answered with a task
 * (`resultType: "task"`, SEP-2663).
 *
 * @example
 * ```ts
 * const { c, bodies } = await connectRecordingClient(url, await h.token('nina'), { name: 'task-test', extensions: { [TASKS_EXTENSION]: {} } });
 * ```
 */
export async function connectRecordingClient(url: string, token: string, options: { name: string; extensions?: ClientExtensions }): Promise<RecordingClient> {
  const bodies: unknown[] = [];
  const recordingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const res = await fetch(input, init);
    if ((res.headers.get('content-type') ?? '').includes('application/json')) bodies.push(await res.clone().json());
    return res;
  };
  const c = new Client(
    { name: options.name, version: '1' },
    { versionNegotiation: { mode: { pin: '2026-07-28' as const } }, ...(options.extensions ? { capabilities: { extensions: options.extensions } } : {}) },
  );
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: { token: async () => token }, fetch: recordingFetch }));
  return { c, bodies };
}
