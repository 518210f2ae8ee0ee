/**
 * Child process hosting one server under test (forked by `run.ts`), so the
 * load generator never shares its event loop. Protocol over IPC: the parent
 * sends `{ type: 'start', spec }`, we answer `{ type: 'ready', url }` (or
 * `{ type: 'failed', message }`); on `{ type: 'stop' }` we close and exit 0,
 * which also flushes a `--cpu-prof` profile.
 */
import { startBareServer } from './targets/bare.ts';
import { startSpineServer } from './targets/spine.ts';
import type { StartedTarget, TargetSpec } from './targets/types.ts';

type ParentMessage = { type: 'start'; spec: TargetSpec } | { type: 'stop' };

let target: StartedTarget | undefined;

process.on('message', (msg: ParentMessage) => {
  if (msg.type === 'start') {
    const started = msg.spec.kind === 'bare' ? startBareServer(msg.spec) : startSpineServer(msg.spec);
    started.then(
      (t) => {
        target = t;
        process.send?.({ type: 'ready', url: t.url });
      },
      (err: unknown) => {
        process.send?.({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      },
    );
  } else {
    void (target?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
