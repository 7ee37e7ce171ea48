/**
 * Messages reach members who were offline (docs/architecture.md §7): through the blind mailbox when the
 * two are never online together, across a `kill -9` of the server, and from a device that
 * wrote while it had no network. The server's database and logs stay blind throughout.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { ServerProcess } from '../helpers/server-process.js';

let browser: Browser;
let server: ServerProcess;
const allTexts: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  server = await ServerProcess.start();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function messageTexts(user: ParleyUser): Promise<string[]> {
  return user.page.evaluate(() => {
    const app = document.querySelector('parley-app') as unknown as { client: { get(id: string): { timeline: { entries: { kind: string; text: string }[] } } | undefined } };
    const id = /^#\/c\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '';
    return (app.client.get(id)?.timeline.entries ?? []).filter((e) => e.kind === 'message').map((e) => e.text);
  });
}

/**
 * Waits until `text` is in the open conversation's timeline and its first unread message is
 * rendered: when everything arrived before the list's first render, the list opens at the
 * first unread, so the newest row need not be rendered.
 */
async function waitForArrival(user: ParleyUser, text: string, timeout = 30_000): Promise<void> {
  await expect.poll(async () => (await messageTexts(user)).includes(text), { timeout }).toBe(true);
  await user.log.locator('article p.text').first().waitFor();
}

/** Alice and Bob share a conversation; both have synced it once. */
async function pair(prefix: string): Promise<{ alice: ParleyUser; bob: ParleyUser; bobUrl: string }> {
  const alice = await ParleyUser.create(browser, `Alice ${prefix}`);
  const bob = await ParleyUser.create(browser, `Bob ${prefix}`);
  await alice.start(server.url);
  const invite = await alice.newConversation();
  await bob.open(invite);
  await bob.register();
  await alice.waitForPeers(1);
  await alice.send(`${prefix}: hello`);
  await bob.waitForMessage(`${prefix}: hello`);
  return { alice, bob, bobUrl: bob.page.url() };
}

/**
 * Sends while Bob is away: each message must be acknowledged as delivered (mailbox). The
 * list is virtualized, so only the rows on screen are in the DOM: the newest shows "Sent",
 * and the app's own delivery state says so for every one.
 */
async function sendWhileAway(alice: ParleyUser, texts: string[]): Promise<void> {
  for (const text of texts) {
    await alice.send(text);
    allTexts.push(text);
  }
  await alice.messageRow(texts.at(-1)!).locator('[data-status="sent"]').waitFor({ timeout: 20_000 });
  await alice.waitForDelivered(texts);
}

async function reopen(user: ParleyUser, url: string): Promise<void> {
  user.page = await user.context.newPage();
  await user.open(url);
  await user.log.waitFor();
}

describe('offline delivery through the mailbox', () => {
  it('B closed, A sends 20 and closes, B opens: all 20, in order, each once', async () => {
    const { alice, bob, bobUrl } = await pair('mailbox');
    await bob.page.close();
    const texts = Array.from({ length: 20 }, (_, i) => `while apart ${i + 1}`);
    await sendWhileAway(alice, texts);
    await alice.close();

    await reopen(bob, bobUrl);
    await waitForArrival(bob, 'while apart 20');
    const got = (await messageTexts(bob)).filter((t) => t.startsWith('while apart'));
    expect(got).toEqual(texts);
    await bob.close();
  });

  it('survives a SIGKILL of the server between the send and the open', async () => {
    const { alice, bob, bobUrl } = await pair('restart');
    await bob.page.close();
    const texts = Array.from({ length: 20 }, (_, i) => `across the restart ${i + 1}`);
    await sendWhileAway(alice, texts);
    await alice.close();

    await server.kill9();
    await server.spawn();

    await reopen(bob, bobUrl);
    await waitForArrival(bob, 'across the restart 20');
    const got = (await messageTexts(bob)).filter((t) => t.startsWith('across the restart'));
    expect(got).toEqual(texts);
    await bob.close();
  });

  it('writes with no network show as waiting and go out when it returns', async () => {
    const { alice, bob, bobUrl } = await pair('offline');
    await bob.page.close();
    await alice.context.setOffline(true);
    await alice.send('written on the train');
    allTexts.push('written on the train');
    await alice.messageRow('written on the train').locator('[data-status="waiting"]').waitFor();
    await expect(alice.messageRow('written on the train').getByText('Waiting').isVisible()).resolves.toBe(true);

    await alice.context.setOffline(false);
    await alice.messageRow('written on the train').locator('[data-status="sent"]').waitFor({ timeout: 40_000 });
    await alice.close();
    await reopen(bob, bobUrl);
    await bob.waitForMessage('written on the train', 30_000);
    await bob.close();
  });

  it("the server's database and logs hold none of the texts or names", async () => {
    expect(allTexts.length).toBeGreaterThan(40);
    const files = await readdir(server.dataDir);
    expect(files).toContain('parley.db');
    const stored = Buffer.concat(await Promise.all(files.map((f) => readFile(path.join(server.dataDir, f)))));
    const needles = [...allTexts, 'Alice mailbox', 'Bob mailbox', 'Alice restart', 'Bob offline', 'while apart', 'train'];
    for (const needle of needles) {
      expect(stored.includes(Buffer.from(needle)), `database contains "${needle}"`).toBe(false);
      expect(server.log.includes(needle), `logs contain "${needle}"`).toBe(false);
    }
    // The mailbox did hold the messages, sealed.
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path.join(server.dataDir, 'parley.db'), { readonly: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name);
    db.close();
    expect(tables.some((t) => /mailbox/.test(t))).toBe(true);
  });
});
