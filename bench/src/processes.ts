import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The MCP protocol version every bench request pins. */
export const PROTOCOL_VERSION = '2025-11-25';
/** The child hosting one server under test. */
export const SERVER_PROCESS = fileURLToPath(new URL('./server-process.ts', import.meta.url));
/** The child running autocannon. */
export const LOAD_PROCESS = fileURLToPath(new URL('./load-process.ts', import.meta.url));

/** A JSON-RPC `tools/call` body. */
export function rpcBody(name: string, args: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
}

/** The same headers for every target (the bare server ignores `Authorization`). */
export function headersFor(token: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': PROTOCOL_VERSION,
    authorization: `Bearer ${token}`,
  };
}

/** Sends `message` to `child` and resolves with its first reply (rejects on `failed` or exit). */
export function ask<T>(child: ChildProcess, message: unknown, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: { type: string; message?: string }) => {
      cleanup();
      if (reply.type === 'failed') reject(new Error(`${what} failed: ${reply.message ?? ''}`));
      else resolve(reply as T);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${what}: process exited with ${String(code)}`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.send(message as never);
  });
}

/** Forks a bench child with this process's Node flags (plain Node: type stripping, as production runs), stdout/stderr inherited, IPC on. */
export function forkChild(file: string, extraExecArgv: string[] = []): ChildProcess {
  // process.execArgv carries this process's flags (none but --cpu-prof style extras); Node strips the types itself.
  return fork(file, [], { execArgv: [...process.execArgv, ...extraExecArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Resolves when `child` has exited. */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

