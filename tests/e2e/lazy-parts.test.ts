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
let bob: ParleyUser | undefined;

afterEach(async () => {
  await alice?.close();
  await bob?.close();
  alice = undefined;
  bob = undefined;
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

describe('the contact book, loaded once the list has shown', () => {
  const contactsLink = (user: ParleyUser) => user.page.getByRole('link', { name: /^Contacts/ });

  it('the list and conversations go on while it loads; the contacts screen waits for it, then opens', async () => {
    const gate = new ChunkGate();
    const user = await aliceWith('contact-book-*.js', gate);
    await newConversation(user);
    await user.send('before the contact book');
    await user.waitForMessage('before the contact book');
    await contactsLink(user).click();
    await user.page.getByRole('status').filter({ hasText: 'Loading your contacts…' }).waitFor();
    expect(await user.page.getByRole('heading', { name: 'My contact link' }).count()).toBe(0);
    gate.open();
    await user.page.getByRole('button', { name: 'Show my contact link' }).click();
    expect(await user.page.getByRole('textbox', { name: 'My contact link' }).inputValue()).toMatch(/#contact=/);
    expect(gate.requests).toBe(1);
  });

  it('a banner says it could not load, and Try again loads it; the contacts screen says so too', async () => {
    const gate = new ChunkGate();
    gate.refuse = true;
    const user = await aliceWith('contact-book-*.js', gate);
    const banner = user.page.getByRole('alert').filter({ hasText: 'Could not load your contacts: this device cannot add contacts or receive contact requests. Check your connection and try again.' });
    await banner.waitFor();
    await newConversation(user);
    await user.send('no contact book, still talking');
    await user.waitForMessage('no contact book, still talking');
    // The contacts screen says it in its own place (the banner steps aside there), with Try again.
    await contactsLink(user).click();
    const inPlace = user.page.getByRole('alert').filter({ hasText: 'Could not load your contacts. Check your connection and try again.' });
    await inPlace.waitFor();
    expect(await banner.count()).toBe(0);
    gate.refuse = false;
    gate.open();
    await inPlace.getByRole('button', { name: 'Try again' }).click();
    await user.page.getByRole('button', { name: 'Show my contact link' }).click();
    expect(await user.page.getByRole('textbox', { name: 'My contact link' }).inputValue()).toMatch(/#contact=/);
    // Loaded now: no banner on the other screens either.
    await user.page.evaluate(() => (location.hash = ''));
    await user.page.getByText('Start a new conversation, add a contact, or open an invite link.').waitFor();
    expect(await banner.count()).toBe(0);
  });

  it('the banner’s Try again loads it from any screen', async () => {
    const gate = new ChunkGate();
    gate.refuse = true;
    const user = await aliceWith('contact-book-*.js', gate);
    const banner = user.page.getByRole('alert').filter({ hasText: 'Could not load your contacts:' });
    await banner.waitFor();
    gate.refuse = false;
    gate.open();
    await banner.getByRole('button', { name: 'Try again' }).click();
    await banner.waitFor({ state: 'detached' });
    await contactsLink(user).click();
    await user.page.getByRole('button', { name: 'Show my contact link' }).click();
    expect(await user.page.getByRole('textbox', { name: 'My contact link' }).inputValue()).toMatch(/#contact=/);
  });
});

describe('joining a group, loaded on first use', () => {
  it('an invite link opened while it cannot load says so, and Try again joins', async () => {
    alice = await ParleyUser.create(stage.browser, 'Alice');
    await alice.start(stage.app.url);
    const invite = await alice.newConversation();
    const gate = new ChunkGate();
    gate.refuse = true;
    const context = await stage.browser.newContext({ viewport: { width: 1100, height: 800 }, serviceWorkers: 'block' });
    await context.route('**/assets/join-attempt-*.js', gate.handle);
    bob = await ParleyUser.inContext(context, 'Bob', { newPage: true });
    await bob.open(invite);
    await bob.register();
    const alert = bob.page.getByRole('alert').filter({ hasText: 'Could not load joining a group. Check your connection and try again.' });
    await alert.waitFor();
    expect(gate.requests).toBeGreaterThan(0);
    gate.refuse = false;
    gate.open();
    await alert.getByRole('button', { name: 'Try again' }).click();
    await bob.log.waitFor();
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
