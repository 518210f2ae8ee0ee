import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSchemathesis } from '@mcp-platform/tooling/schemathesis';
import { startProxyHarness, type ProxyHarness } from './harness.ts';

const CONFIG = fileURLToPath(new URL('./schemathesis.toml', import.meta.url));
const RESULTS = fileURLToPath(new URL('../test-results/', import.meta.url));

let h: ProxyHarness;
let st: string;

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  st = await ensureSchemathesis();
  h = await startProxyHarness({ env: { RATE_LIMIT_PER_SECOND: '100000', CONCURRENCY_PER_PRINCIPAL: '100000', MAX_IN_FLIGHT: '100000' } });
}, 600_000);
afterAll(async () => {
  await h?.stop();
});

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // cwd: schemathesis keeps its example database and crash cache in ./.schemathesis.
    const p = spawn(command, args, { cwd: RESULTS, env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' } });
    let output = '';
    p.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    p.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, output }));
  });
}

describe('OpenAPI fuzzing (schemathesis)', () => {
  it(
    'runs every check against every operation with zero failures (no 5xx, responses match the document)',
    async () => {
      const token = await h.token('alice');
      const doc = await fetch(`${h.proxyUrl}/openapi.json`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
      const schemaFile = `${RESULTS}openapi.json`;
      writeFileSync(schemaFile, JSON.stringify(doc, null, 2));
      const { code, output } = await run(st, [
        '--config-file',
        CONFIG,
        'run',
        schemaFile,
        '--url',
        h.proxyUrl,
        '--checks',
        'all',
        '-H',
        `Authorization: Bearer ${token}`,
        '--max-examples',
        '10',
        '--seed',
        '1',
        '--generation-deterministic',
        '--workers',
        '1',
        '--no-color',
        '--report',
        'junit',
        '--report-junit-path',
        `${RESULTS}schemathesis-junit.xml`,
      ]);
      writeFileSync(`${RESULTS}schemathesis.log`, output);
      expect(output, output).toMatch(/passed/i);
      expect(code, output).toBe(0);
    },
    600_000,
  );
});
