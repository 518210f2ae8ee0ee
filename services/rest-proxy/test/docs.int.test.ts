import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, ensureChromium } from '@mcp-platform/tooling/chromium';
import { startAll } from '@mcp-platform/test-support';
import { startProxyHarness, type ProxyHarness } from './harness.ts';

const RESULTS = fileURLToPath(new URL('../test-results/', import.meta.url));

let h: ProxyHarness;
let browser: Browser;

beforeAll(async () => {
  const executablePath = ensureChromium();
  [h, browser] = await startAll([startProxyHarness(), chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] })]);
}, 600_000);
afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

describe('the docs page', () => {
  it('loads in headless Chromium and lists the tools the user may call', async () => {
    const token = await h.token('sam');
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    // What a person does once: paste a token; the page keeps it for the session and sends it with every request.
    await page.addInitScript((t) => sessionStorage.setItem('rest-proxy-token', t), token);
    const response = await page.goto(`${h.proxyUrl}/docs/`);
    expect(response?.status()).toBe(200);
    await page.locator('.opblock-summary-path', { hasText: '/api/v1/mcp/itsm/tools/create_incident' }).first().waitFor({ timeout: 20_000 });
    const paths = await page.locator('.opblock-summary-path').allInnerTexts();
    expect(paths.map((p) => p.replace(/\u200b/g, ''))).toEqual(
      expect.arrayContaining(['/api/v1/servers', '/api/v1/mcp/itsm/tools/create_incident', '/api/v1/mcp/network/tools/list_devices']),
    );
    // sam may not deploy: the page shows only what the policy lets this caller call.
    expect(paths.join('\n')).not.toContain('deploy_template');
    expect(await page.title()).toBe('MCP platform REST proxy');
    expect(failed).toEqual([]);
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: `${RESULTS}docs.png`, fullPage: true });
    await page.close();
  });
});
