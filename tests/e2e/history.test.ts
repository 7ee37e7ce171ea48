/**
 * History (docs/architecture.md §5.6, §7): it survives reloads from IndexedDB, and a member who joins
 * late or was away receives all of it from whoever is online — at sizes where stock
 * y-webrtc never syncs (a single data-channel message over 256 KiB).
 */
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();

async function waitForTimeline(user: ParleyUser, size: number, timeout = 60_000): Promise<void> {
  await user.page.waitForFunction(
    (size) => {
      const app = document.querySelector('parley-app') as unknown as { client?: { get(id: string): { timeline: { entries: { kind: string }[] } } | undefined } };
      const id = /^#\/c\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '';
      const entries = app.client?.get(id)?.timeline.entries ?? [];
      return entries.filter((e) => e.kind === 'message').length >= size;
    },
    size,
    { timeout, polling: 100 },
  );
}

const SAVED = '[data-status="waiting"], [data-status="sent"]';

describe('history', () => {
  it('reloading keeps every conversation and message', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    await alice.start(stage.app.url);
    await alice.newConversation();
    for (const text of ['first', 'second', 'third']) {
      await alice.send(text);
      await alice.waitForMessage(text);
    }
    // Saved on disk (acknowledged): "waiting" for a peer, or already "sent" to the mailbox.
    for (const text of ['first', 'second', 'third']) await alice.messageRow(text).locator(SAVED).waitFor();
    await alice.newConversation();
    await alice.send('other room');
    await alice.messageRow('other room').locator(SAVED).waitFor();

    await alice.page.reload();
    const conversations = alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link');
    await expect.poll(() => conversations.count()).toBe(2);
    // The sidebar shows each conversation's newest message.
    await alice.page.getByRole('link', { name: /third/ }).click();
    for (const text of ['first', 'second', 'third']) await alice.waitForMessage(text);
    await alice.page.getByRole('link', { name: /other room/ }).click();
    await alice.waitForMessage('other room');
    await alice.close();
  });

  it('a late joiner receives a 5,000-message history', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await alice.start(stage.app.url);
    const invite = await alice.newConversation();
    await alice.seedMessages(5000);
    await waitForTimeline(alice, 5000);

    // Records what the conversation view's progress status says, from its first render on.
    await bob.page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { historyStatus: string[] }).historyStatus = seen;
      const timer = setInterval(() => {
        const root = document.querySelector('parley-app')?.shadowRoot?.querySelector('parley-conversation')?.shadowRoot;
        if (!root) return;
        clearInterval(timer);
        const record = () => {
          const status = root.querySelector('.history[role="status"]');
          const text = status?.querySelector('progress') ? (status.textContent ?? '').replace(/\s+/g, ' ').trim() : '';
          if (text && seen.at(-1) !== text) seen.push(text);
        };
        new MutationObserver(record).observe(root, { subtree: true, childList: true, characterData: true });
        record();
      }, 2);
    });
    // The history must travel peer to peer (the subject here, with its progress): Bob's mailbox
    // requests are held, or the snapshot Alice's device hands the mailbox would bring it.
    const held: { abort(): Promise<void> }[] = [];
    await bob.context.route('**/api/mailbox/**', (route) => void held.push(route));
    await bob.open(invite);
    await bob.register();
    await waitForTimeline(bob, 5000);
    await bob.context.unroute('**/api/mailbox/**');
    for (const route of held.splice(0)) await route.abort().catch(() => {});
    const info = await bob.timelineInfo();
    expect(info.size).toBe(5000);
    expect(info.first).toBe('message 1');
    expect(info.last).toBe('message 5000');
    await bob.waitForMessage('message 5000');
    // The 1.4 MB history showed its progress while it came in, and the status went away.
    const status = await bob.page.evaluate(() => (window as unknown as { historyStatus: string[] }).historyStatus);
    expect(status.some((t) => /^Receiving history… \d+\.\d of \d+\.\d MB$/.test(t))).toBe(true);
    expect(status).toContain('Checking the signatures of the history…');
    expect(await bob.page.getByRole('progressbar', { name: 'History download' }).count()).toBe(0);

    // Reopened, the newest messages show at once while the stored history loads.
    await bob.page.reload();
    await bob.waitForMessage('message 5000');
    await waitForTimeline(bob, 5000);
    const reopened = await bob.page.evaluate(() => (window as unknown as { historyStatus: string[] }).historyStatus);
    expect(reopened).toEqual(['Loading older messages…']);
    // The bar leaves once the stored document has loaded, which can finish after the
    // timeline already holds every message (a run at load 14 still showed it then).
    await expect.poll(() => bob.page.getByRole('progressbar', { name: 'Loading history' }).count(), { timeout: 30_000 }).toBe(0);
    await alice.close();
    await bob.close();
  });

  it('a late joiner receives 300 messages of 1,000 characters', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await alice.start(stage.app.url);
    const invite = await alice.newConversation();
    await alice.seedMessages(300, 1000);
    await waitForTimeline(alice, 300);

    await bob.open(invite);
    await bob.register();
    await waitForTimeline(bob, 300);
    const info = await bob.timelineInfo();
    expect(info.size).toBe(300);
    expect(info.last.length).toBe(1000);
    expect(info.last.startsWith('message 300 x')).toBe(true);
    await alice.close();
    await bob.close();
  });

  it('a member who was closed while others chatted catches up when they return', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await alice.start(stage.app.url);
    const invite = await alice.newConversation();
    await bob.open(invite);
    await bob.register();
    await bob.waitForPeers(1);
    const conversationUrl = bob.page.url();
    await bob.page.close();

    for (let i = 1; i <= 30; i++) await alice.send(`while you were away ${i}`);
    await alice.waitForMessage('while you were away 30');

    bob.page = await bob.context.newPage();
    await bob.open(conversationUrl);
    await waitForTimeline(bob, 30);
    expect((await bob.timelineInfo()).last).toBe('while you were away 30');
    // Which rows show depends on whether the messages were there when the list first
    // rendered (it opens at the first unread) or arrived while it sat at the newest.
    await bob.log.locator('article p.text', { hasText: /^while you were away \d+$/ }).first().waitFor();
    await alice.close();
    await bob.close();
  });
});
