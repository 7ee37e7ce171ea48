/**
 * Launches the machine's Chromium (Debian's package), never a downloaded browser. A missing
 * Chromium fails loudly with the fix, instead of skipping. Pages fail the test when the app
 * breaks its own Content-Security-Policy.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Tabs in the background still run timers at full speed: tests drive several at once.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/**
 * A fake microphone and camera (a beep and a test pattern) that need no permission prompt,
 * and media that may play without a user gesture: for tests that record and play audio.
 */
export const FAKE_MEDIA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'] as const;

function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The end-to-end tests need it: ` +
        `install it with "apt-get update && apt-get install -y chromium", or set CHROMIUM_PATH.`,
    );
  }
}

/** The app broke its own Content-Security-Policy in some page of a browser launched here. */
export class CspViolationError extends Error {
  override readonly name = 'CspViolationError';

  constructor(readonly violations: readonly string[]) {
    super(`the app violated its Content-Security-Policy:\n${violations.join('\n')}`);
  }
}

/** Violations seen so far, per browser or persistent context. */
const seen = new WeakMap<object, string[]>();

/** Takes (and clears) the CSP violations recorded for `owner`, for tests that provoke one on purpose. */
export function takeCspViolations(owner: Browser | BrowserContext): string[] {
  return seen.get(owner)?.splice(0) ?? [];
}

/**
 * Every page of `context` reports `securitypolicyviolation` events (from an init script,
 * which itself is not subject to the page's CSP) into `sink`.
 */
async function watchCsp(context: BrowserContext, sink: string[]): Promise<void> {
  await context.exposeBinding('__parleyCspViolation', ({ page }, report: string) => {
    sink.push(`${page.url()}: ${report}`);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __parleyCspViolation?: (r: string) => void }).__parleyCspViolation;
      report?.(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile || 'document'}:${e.lineNumber})`);
    });
  });
}

/**
 * Launches Chromium. Every context it opens watches for CSP violations, and `close()`
 * throws {@link CspViolationError} if the app broke its own policy in any page, so every
 * end-to-end test fails on one. Pages that load test code rather than the app open their
 * context with `bypassCSP`. `extraArgs` adds launch flags for one test's browser (e.g.
 * {@link FAKE_MEDIA_ARGS}).
 */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  requireChromium();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
  const violations: string[] = [];
  seen.set(browser, violations);
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    if (!options?.bypassCSP) await watchCsp(context, violations);
    return context;
  };
  const close = browser.close.bind(browser);
  browser.close = async (options) => {
    await close(options);
    if (violations.length > 0) throw new CspViolationError(violations.splice(0));
  };
  return browser;
}

/**
 * A browser with a real on-disk profile (not incognito), for what only a normal profile
 * does: Chromium refuses to call an incognito context installable. `close()` also removes
 * the profile.
 */
export async function launchPersistentProfile(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  requireChromium();
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-profile-'));
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  const violations: string[] = [];
  seen.set(context, violations);
  await watchCsp(context, violations);
  return {
    context,
    async close() {
      await context.close();
      await rm(dir, { recursive: true, force: true });
      if (violations.length > 0) throw new CspViolationError(violations.splice(0));
    },
  };
}
