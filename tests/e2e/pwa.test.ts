/**
 * The installable, offline PWA (docs/architecture.md §7.4): Chromium's installability check passes, an
 * offline reload opens the app shell with the whole stored history, and a new version is
 * announced with an "Update available" prompt instead of reloading by itself.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { launchChromium, launchPersistentProfile } from '../helpers/browser.js';
import { ParleyUser } from '../helpers/parley-user.js';

let browser: Browser;
let app: AppServer;
let staticDir: string;

beforeAll(async () => {
  browser = await launchChromium();
  // A private copy of the build, so one test can publish a "new version" of the worker.
  staticDir = await mkdtemp(path.join(tmpdir(), 'parley-static-'));
  await cp('dist', staticDir, { recursive: true });
  app = await startAppServer({ staticDir });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await rm(staticDir, { recursive: true, force: true });
});

async function waitForController(user: ParleyUser): Promise<void> {
  await user.page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  // The first load is not controlled; a reload is.
  await user.page.reload();
  await user.page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

describe('installable offline app', () => {
  it('passes the installability check and reloads offline with its history', async () => {
    // Installability is judged for a normal profile; incognito contexts never qualify.
    const profile = await launchPersistentProfile();
    const alice = await ParleyUser.inContext(profile.context, 'Alice');
    await alice.start(app.url);
    await alice.newConversation();
    for (const text of ['kept offline 1', 'kept offline 2']) {
      await alice.send(text);
      await alice.messageRow(text).locator('[data-status]').waitFor();
    }
    await waitForController(alice);

    const cdp = await alice.context.newCDPSession(alice.page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: Array<{ errorId: string }> };
    expect(installabilityErrors).toEqual([]);
    const manifest = (await cdp.send('Page.getAppManifest')) as { errors: unknown[]; url: string };
    expect(manifest.errors).toEqual([]);
    expect(manifest.url).toMatch(/manifest\.webmanifest$/);

    await alice.context.setOffline(true);
    await alice.page.reload();
    await alice.log.waitFor();
    await alice.waitForMessage('kept offline 1');
    await alice.waitForMessage('kept offline 2');
    await alice.page.getByRole('status').filter({ hasText: /Offline|Connecting/ }).waitFor();
    await alice.context.setOffline(false);
    await profile.close();
  });

  it('shows "Update available" for a new version and switches only when asked', async () => {
    const alice = await ParleyUser.create(browser, 'Alice');
    await alice.start(app.url);
    await waitForController(alice);
    const before = await alice.page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);
    expect(before).toMatch(/\/sw\.js$/);

    // Publish a new worker (any byte change is a new version) and let the page find it.
    const swPath = path.join(staticDir, 'sw.js');
    const original = await readFile(swPath, 'utf8');
    await writeFile(swPath, `${original}\n// version ${Date.now()}\n`);
    await alice.page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());

    const prompt = alice.page.getByRole('alert').filter({ hasText: 'Update available' });
    await prompt.waitFor({ timeout: 30_000 });
    // Nothing reloaded by itself: the old worker still controls the page.
    const waiting = await alice.page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      return { waiting: reg?.waiting !== null, active: reg?.active?.state };
    });
    expect(waiting).toEqual({ waiting: true, active: 'activated' });

    const reloaded = alice.page.waitForEvent('load');
    await prompt.getByRole('button', { name: 'Reload' }).click();
    await reloaded;
    await alice.page.getByRole('button', { name: 'New conversation' }).waitFor();
    const after = await alice.page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      return reg?.waiting === null && reg?.active?.state === 'activated';
    });
    expect(after).toBe(true);
    await writeFile(swPath, original);
    await alice.close();
  });
});
