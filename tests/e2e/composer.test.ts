/**
 * The composer: each conversation keeps its own draft across reloads, opening a
 * conversation puts the cursor in its box, text over the limit is kept with a counter and a
 * clear error (also for edits) and an offer to send it as a file, and Up in an empty box
 * edits your last message.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();
const focused = (box: Locator): Promise<boolean> => box.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement && document.hasFocus());

describe('the composer', () => {
  let alice: ParleyUser;
  const sidebar = () => alice.page.getByRole('navigation', { name: 'Conversations' });

  beforeAll(async () => {
    alice = await ParleyUser.create(stage.browser, 'Alice');
    await alice.start(stage.app.url);
    await alice.newConversation();
    await alice.send('room one');
    await alice.newConversation();
    await alice.send('room two');
  });

  afterAll(async () => {
    await alice?.close();
  });

  it('keeps a draft per conversation, across reloads, and never carries it into another', async () => {
    await alice.composer.fill('half a thought for room two');
    await sidebar().getByRole('link', { name: /room one/ }).click();
    await expect.poll(() => alice.composer.inputValue()).toBe('');
    await alice.composer.fill('a draft for room one');
    await sidebar().getByRole('link', { name: /room two/ }).click();
    await expect.poll(() => alice.composer.inputValue()).toBe('half a thought for room two');

    await alice.page.reload();
    await expect.poll(() => alice.composer.inputValue()).toBe('half a thought for room two');
    await sidebar().getByRole('link', { name: /room one/ }).click();
    await expect.poll(() => alice.composer.inputValue()).toBe('a draft for room one');
    // Sending empties the draft for good.
    await alice.composer.press('Enter');
    await alice.waitForMessage('a draft for room one');
    await alice.page.reload();
    await alice.waitForMessage('a draft for room one');
    await expect.poll(() => alice.composer.inputValue()).toBe('');
  });

  it('keeps a draft typed, or left, just before a reload', async () => {
    // The reload comes before the draft's write to IndexedDB commits, which the page's
    // going away aborts: the page keeps such drafts in a synchronous copy.
    await alice.composer.fill('typed just before a reload');
    await alice.page.reload();
    await expect.poll(() => alice.composer.inputValue()).toBe('typed just before a reload');
    await alice.composer.fill('left just before a reload');
    await sidebar().getByRole('link', { name: /room two/ }).click();
    await alice.page.reload();
    await expect.poll(() => alice.composer.inputValue()).toBe('half a thought for room two');
    await sidebar().getByRole('link', { name: /room one/ }).click();
    await expect.poll(() => alice.composer.inputValue()).toBe('left just before a reload');
    await alice.composer.fill('');
  });

  it('opening a conversation puts the cursor in its message box', async () => {
    await alice.page.getByRole('link', { name: 'Settings' }).click();
    await sidebar().getByRole('link', { name: /room two/ }).click();
    await expect.poll(() => focused(alice.composer)).toBe(true);
    await alice.page.keyboard.type('typed straight away');
    await expect.poll(() => alice.composer.inputValue()).toBe('half a thought for room twotyped straight away');
    await alice.composer.fill('');
  });

  it('keeps 100,000 pasted characters with a counter and a clear error, and sends once short enough', async () => {
    const long = 'x'.repeat(100_000);
    await alice.composer.fill(long);
    await alice.page.getByRole('status').filter({ hasText: '100,000 / 16,000' }).waitFor();
    await alice.composer.press('Enter');
    await alice.page.getByRole('alert').filter({ hasText: 'This message is too long: 100,000 characters, at most 16,000' }).waitFor();
    expect((await alice.composer.inputValue()).length).toBe(100_000);

    await alice.composer.fill('y'.repeat(15_500));
    await alice.page.getByRole('status').filter({ hasText: '15,500 / 16,000' }).waitFor();
    await expect.poll(() => alice.page.getByRole('alert').filter({ hasText: 'too long' }).count()).toBe(0);
    await alice.page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => alice.composer.inputValue()).toBe('');
    await expect.poll(async () => (await alice.timelineInfo()).last.length).toBe(15_500);
    await expect.poll(() => alice.page.getByRole('status').filter({ hasText: '/ 16,000' }).count()).toBe(0);
  });

  it('Up in an empty box edits your last message; an edit over the limit keeps its text', async () => {
    await alice.send('edit me later');
    await alice.waitForMessage('edit me later');
    await alice.composer.press('ArrowUp');
    const editor = alice.page.getByRole('textbox', { name: 'Edit message' });
    await expect.poll(() => focused(editor)).toBe(true);
    expect(await editor.inputValue()).toBe('edit me later');

    await editor.fill('z'.repeat(17_000));
    await editor.press('Enter');
    await alice.page.getByRole('alert').filter({ hasText: 'This message is too long: 17,000 characters' }).waitFor();
    expect((await editor.inputValue()).length).toBe(17_000);
    await editor.fill('edited within the limit');
    await editor.press('Enter');
    await alice.waitForMessage('edited within the limit');
    await alice.messageRow('edited within the limit').getByText('(edited)').waitFor();
  });

  it('offers to send a text over the limit as a file; the other member gets exactly that text', async () => {
    const invite = await alice.newConversation();
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    try {
      await bob.open(invite);
      await bob.register();
      await alice.waitForPeers(1);
      // 100,000 characters, accented and symbols included: the file holds them as UTF-8.
      const unit = 'Grüße, ça va? ✓ 0123456789 — the quick brown fox\n';
      const long = unit.repeat(Math.ceil(100_000 / unit.length)).slice(0, 100_000);
      await alice.composer.fill(long);
      await alice.composer.press('Enter');
      await alice.page.getByRole('alert').filter({ hasText: 'This message is too long: 100,000 characters' }).waitFor();
      const offer = alice.page.getByRole('button', { name: 'Send as file' });
      await offer.click();
      // Once the file message is saved, the box is empty and the offer gone.
      await expect.poll(() => alice.composer.inputValue()).toBe('');
      await expect.poll(() => offer.count()).toBe(0);

      const link = bob.page.getByRole('link', { name: 'Download message.txt' });
      await link.waitFor({ timeout: 60_000 });
      const [download] = await Promise.all([bob.page.waitForEvent('download'), link.click()]);
      expect(download.suggestedFilename()).toBe('message.txt');
      const bytes = await readFile(await download.path());
      expect(bytes.equals(Buffer.from(long, 'utf8'))).toBe(true);
    } finally {
      await bob.close();
    }
  });
});
