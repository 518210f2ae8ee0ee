/**
 * `pnpm test` after `pnpm tools ensure`: every package's lint, type-check and tests, one task at a time,
 * all of them even when one fails (`--continue`), then — when something failed — the failure part of each
 * failed task's log again, at the end. A CI log is often read from its tail; without the recap, a test that
 * failed early is scrolled away by every package that ran after it.
 * Extra arguments go to turbo (e.g. `pnpm test --filter @mcp-platform/mcp-itsm`).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const TASKS = ['lint', 'typecheck', 'test', '//#lint:root', '//#typecheck:root'];
const RECAP_LINES = 200;

interface TaskSummary {
  taskId: string;
  logFile: string;
  execution?: { exitCode?: number };
}

const root = path.resolve(import.meta.dirname, '..');
const runsDir = path.join(root, '.turbo', 'runs');
const before = new Set(summaries());

const turbo = spawn('turbo', ['run', ...TASKS, '--concurrency=1', '--continue', '--summarize', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
const code: number = await new Promise((resolve) => turbo.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
const summaryFile = summaries().find((f) => !before.has(f));
if (code !== 0 && summaryFile) recap(path.join(runsDir, summaryFile));
if (summaryFile) rmSync(path.join(runsDir, summaryFile), { force: true });
process.exit(code);

function summaries(): string[] {
  try {
    return readdirSync(runsDir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
}

/** Prints, for each failed task, its log from the first failure marker (or its tail), noise lines dropped. */
function recap(file: string): void {
  const tasks = (JSON.parse(readFileSync(file, 'utf8')) as { tasks: TaskSummary[] }).tasks;
  const failed = tasks.filter((t) => (t.execution?.exitCode ?? 0) !== 0);
  if (failed.length === 0) return;
  console.log(`\n==== ${failed.length} failed task(s): ${failed.map((t) => t.taskId).join(', ')} — their failures again ====`);
  for (const task of failed) {
    let lines: string[];
    try {
      lines = readFileSync(path.join(root, task.logFile), 'utf8')
        // eslint-disable-next-line no-control-regex -- strips the ANSI colour codes of the tools' output
        .replace(/\x1b\[[0-9;]*m/g, '')
        .split('\n')
        .filter((l) => !/oidc-provider WARNING|^\s*$/.test(l));
    } catch (err) {
      console.log(`\n---- ${task.taskId}: no log (${(err as Error).message})`);
      continue;
    }
    const summary = lines.findIndex((l) => /Failed (Tests|Suites) \d/.test(l));
    const first = summary >= 0 ? summary : lines.findIndex((l) => /FAIL |error TS|✗|×| Error:|ERR_/.test(l));
    const from = first >= 0 ? first : Math.max(0, lines.length - 80);
    const shown = lines.slice(from, from + RECAP_LINES);
    console.log(`\n---- ${task.taskId} (${task.logFile}, from line ${from + 1} of ${lines.length}) ----`);
    console.log(shown.join('\n'));
    if (from + RECAP_LINES < lines.length) console.log(`… ${lines.length - from - RECAP_LINES} more line(s) in ${task.logFile}`);
  }
}
