/**
 * Browser contexts for the bench. Parley and its baseline run in the same Chromium with
 * the same flags (tests/helpers/browser.ts) and the same viewport.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ParleyUser } from '../tests/helpers/parley-user.js';

/**
 * tsx compiles this bench with esbuild's keepNames, which wraps named inner functions in
 * `__name(…)` calls; functions shipped to `page.evaluate` then fail in the page, where no
 * `__name` exists. An identity stand-in in every document fixes that.
 */
export const NAME_SHIM = 'globalThis.__name ??= (target) => target;';

export const VIEWPORT = { width: 1100, height: 800 } as const;

/** A fresh isolated context (own IndexedDB, own WebRTC stack), as a separate user would have. */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript(NAME_SHIM);
  return context;
}

export async function newPage(browser: Browser, name: string): Promise<Page> {
  const page = await (await newContext(browser)).newPage();
  page.on('pageerror', (error) => console.error(`[${name}] page error:`, error));
  return page;
}

/** A Parley user in its own context, ready to open the app. */
export async function newUser(browser: Browser, name: string): Promise<ParleyUser> {
  const user = await ParleyUser.create(browser, name, { viewport: VIEWPORT });
  await user.context.addInitScript(NAME_SHIM);
  return user;
}
