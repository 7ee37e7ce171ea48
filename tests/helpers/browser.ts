/**
 * Launches the machine's Chromium (Debian's package), never a downloaded browser. A missing
 * Chromium fails loudly with the fix, instead of skipping (ARCHITECTURE §8).
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

function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The end-to-end tests need it: ` +
        `install it with "apt-get update && apt-get install -y chromium", or set CHROMIUM_PATH.`,
    );
  }
}

export async function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
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
  return {
    context,
    async close() {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
