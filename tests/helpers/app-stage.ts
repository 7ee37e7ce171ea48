/**
 * The usual end-to-end stage: one Chromium and one real server per test file, started
 * before the tests and torn down after. Call at the top level of a test file.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { ParleyServerOptions } from '../../signaling/server.js';
import { startAppServer, type AppServer } from './app-server.js';
import { launchChromium } from './browser.js';

export interface AppStage {
  readonly browser: Browser;
  readonly app: AppServer;
}

export function useAppStage(init: ParleyServerOptions = {}): AppStage {
  let browser: Browser | undefined;
  let app: AppServer | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
    app = await startAppServer(init);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('the stage is not up yet');
      return browser;
    },
    get app() {
      if (!app) throw new Error('the stage is not up yet');
      return app;
    },
  };
}
