/**
 * Pages of the app's origin that run test code bundled with Vite (a contract suite, a stock
 * client) instead of the app: real Chromium and the real server of `useAppStage`, with the
 * bundle injected. Call at the top level of a test file.
 */
import type { Page } from 'playwright-core';
import { beforeAll } from 'vitest';
import type { AppServer } from './app-server.js';
import { useAppStage } from './app-stage.js';
import { bundleForBrowser } from './bundle.js';

export interface Harness {
  readonly app: AppServer;
  /** A new page in its own browser context, with the bundle loaded. */
  page(): Promise<Page>;
}

export function useHarness(entry: string, name: string): Harness {
  const stage = useAppStage();
  let bundle: string | undefined;
  beforeAll(async () => {
    bundle = await bundleForBrowser(entry, name);
  });
  return {
    get app() {
      return stage.app;
    },
    async page() {
      if (bundle === undefined) throw new Error('the harness is not bundled yet');
      // The page is a harness for injected test code, not the app: the app's CSP does not apply.
      const page = await (await stage.browser.newContext({ bypassCSP: true })).newPage();
      await page.goto(`${stage.app.url}/healthz`);
      await page.addScriptTag({ content: bundle });
      return page;
    },
  };
}
