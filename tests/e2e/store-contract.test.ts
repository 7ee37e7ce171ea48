/**
 * The IndexedDB stores meet the storage contract, in real Chromium (docs/architecture.md §9). The
 * contract module is bundled with Vite and run inside a page of the app's origin.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { launchChromium } from '../helpers/browser.js';
import { bundleForBrowser } from '../helpers/bundle.js';
import { docLayoutCases } from '../contracts/doc-layout.js';
import { chunkStoreCases } from '../contracts/chunk-store-contract.js';
import { storeContractCases } from '../contracts/store-contract.js';

let browser: Browser;
let app: AppServer;
let bundle: string;

beforeAll(async () => {
  browser = await launchChromium();
  app = await startAppServer();
  bundle = await bundleForBrowser('tests/contracts/browser-entry.ts', 'contract');
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('IndexedDB stores: storage contract and y-indexeddb layout', () => {
  it('passes every contract case in Chromium', async () => {
    // The page is a harness for injected test code, not the app: the app's CSP does not apply.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${app.url}/healthz`);
    await page.addScriptTag({ content: bundle });
    const results = await page.evaluate(() => (window as unknown as { contract: { runStoreContract(): Promise<{ name: string; error: string | null }[]> } }).contract.runStoreContract());
    expect(results.map((r) => r.name)).toEqual([...storeContractCases, ...docLayoutCases, ...chunkStoreCases].map((c) => c.name));
    expect(results.filter((r) => r.error !== null)).toEqual([]);
    await context.close();
  });
});
