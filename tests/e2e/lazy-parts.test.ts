/**
 * Parts loaded on first use (docs/architecture.md §11, "Loaded on first use"): while one
 * loads, its place says so; one that fails to load says that, never a blank area, and the
 * rest of the app goes on. The chunks are held back or refused at the network, so the page
 * runs without its service worker (the worker would answer from its precache).
 */
import type { Route } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();

/** A gate for one chunk: its requests wait until `open`, or fail while `refuse` is set. */
class ChunkGate {
  private release!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.release = resolve));
  refuse = false;
  requests = 0;

  readonly handle = async (route: Route): Promise<void> => {
    this.requests++;
    if (this.refuse) return route.abort('connectionfailed');
    await this.opened;
    await route.continue();
  };

  open(): void {
    this.release();
  }
}

let alice: ParleyUser | undefined;

afterEach(async () => {
  await alice?.close();
  alice = undefined;
});

/** Alice, with `chunk` (a glob under /assets/) behind `gate`; registered unless the gate blocks that. */
async function aliceWith(chunk: string, gate: ChunkGate): Promise<ParleyUser> {
  const context = await stage.browser.newContext({ viewport: { width: 1100, height: 800 }, serviceWorkers: 'block' });
  await context.route(`**/assets/${chunk}`, gate.handle);
  alice = await ParleyUser.inContext(context, 'Alice', { newPage: true });
  await alice.start(stage.app.url);
  return alice;
}

async function newConversation(user: ParleyUser): Promise<void> {
  await user.page.getByRole('button', { name: 'New conversation' }).click();
  await user.page.waitForFunction(() => /^#\/c\//.test(location.hash));
}

describe('the conversation view, loaded on first use', () => {
  it('says it is loading until its code arrives, then opens', async () => {
    const gate = new ChunkGate();
    const user = await aliceWith('conversation-view-*.js', gate);
    await newConversation(user);
    await user.page.getByRole('status').filter({ hasText: 'Loading the conversation…' }).waitFor();
    expect(await user.composer.count()).toBe(0);
    gate.open();
    await user.composer.waitFor();
    await user.send('after the wait');
    await user.waitForMessage('after the wait');
  });

  it('says it could not load, and opens on Try again', async () => {
    const gate = new ChunkGate();
    gate.refuse = true;
    const user = await aliceWith('conversation-view-*.js', gate);
    await newConversation(user);
    const alert = user.page.getByRole('alert').filter({ hasText: 'Could not load the conversation. Check your connection and try again.' });
    await alert.waitFor();
    expect(await user.composer.count()).toBe(0);
    gate.refuse = false;
    gate.open();
    await alert.getByRole('button', { name: 'Try again' }).click();
    await user.composer.waitFor();
    expect(await alert.count()).toBe(0);
  });
});

describe('the network, loaded once the list has shown', () => {
  /** Whether the page's signaling socket is connected (the client's `connection`). */
  const connected = (user: ParleyUser): Promise<boolean> =>
    user.page.evaluate(() => (document.querySelector('parley-app') as unknown as { client?: { connection: string } }).client?.connection === 'connected');

  it('the list shows from storage while it loads, then the page connects', async () => {
    const gate = new ChunkGate();
    const user = await aliceWith('page-network-*.js', gate);
    await newConversation(user);
    await user.page.getByRole('status').filter({ hasText: 'Loading the connection…' }).waitFor({ state: 'attached' });
    // Messages are written and kept with no network part yet.
    await user.send('before the network');
    await user.waitForMessage('before the network');
    expect(await connected(user)).toBe(false);
    gate.open();
    await user.page.waitForFunction(() => (document.querySelector('parley-app') as unknown as { client?: { connection: string } }).client?.connection === 'connected');
    expect(await user.page.getByRole('status').filter({ hasText: 'Loading the connection…' }).count()).toBe(0);
  });

  it('says it could not load, and connects on Try again', async () => {
    const gate = new ChunkGate();
    gate.refuse = true;
    const user = await aliceWith('page-network-*.js', gate);
    const alert = user.page.getByRole('alert').filter({ hasText: 'Could not load the connection: this device cannot reach anyone. Check your connection and try again.' });
    await alert.waitFor();
    await newConversation(user);
    await user.composer.waitFor();
    expect(await connected(user)).toBe(false);
    gate.refuse = false;
    gate.open();
    await alert.getByRole('button', { name: 'Try again' }).click();
    await user.page.waitForFunction(() => (document.querySelector('parley-app') as unknown as { client?: { connection: string } }).client?.connection === 'connected');
    expect(await alert.count()).toBe(0);
  });
});

describe('files, loaded after the first screen', () => {
  it('the message box says files are loading until they are, then offers Attach', async () => {
    const gate = new ChunkGate();
    const user = await aliceWith('page-files-*.js', gate);
    await newConversation(user);
    await user.composer.waitFor();
    const loading = user.page.getByRole('status').filter({ hasText: 'Loading files…' });
    await loading.waitFor();
    gate.open();
    await user.page.getByLabel('Attach', { exact: true }).waitFor();
    expect(await loading.count()).toBe(0);
  });

  it('a banner says they could not load; messages still go', async () => {
    const gate = new ChunkGate();
    gate.refuse = true;
    const user = await aliceWith('page-files-*.js', gate);
    await user.page.getByRole('alert').filter({ hasText: 'Files could not load: this device cannot send or receive files until Parley is reloaded.' }).waitFor();
    await newConversation(user);
    await user.send('no files, still talking');
    await user.waitForMessage('no files, still talking');
    expect(await user.page.getByLabel('Attach', { exact: true }).count()).toBe(0);
    expect(await user.page.getByRole('status').filter({ hasText: 'Loading files…' }).count()).toBe(0);
    expect(gate.requests).toBeGreaterThan(0);
  });
});
