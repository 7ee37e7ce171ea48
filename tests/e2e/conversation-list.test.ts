/**
 * The conversation list says what was last written in each conversation
 * (docs/architecture.md §11, "The conversation list"): a file message is previewed by what
 * it is (a photo, a file's name, its caption), on the receiver's list and the sender's,
 * and again after a reload, never as "No messages yet".
 */
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { gradientPng } from '../helpers/png.js';

const stage = useAppStage();

/** The one conversation in the user's list. */
const entryOf = (user: ParleyUser): Locator => user.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').first();

async function sendFile(user: ParleyUser, file: { name: string; mimeType: string; buffer: Buffer }, caption = ''): Promise<void> {
  await user.page.getByLabel('Attach').setInputFiles(file);
  await user.page.getByRole('list', { name: 'Files to send' }).getByText(file.name).waitFor();
  if (caption) await user.composer.fill(caption);
  await user.page.getByRole('button', { name: 'Send', exact: true }).click();
}

describe('the conversation list', () => {
  let alice: ParleyUser;
  let bob: ParleyUser;

  beforeAll(async () => {
    ({ alice, bob } = await ParleyUser.pair(stage.browser, stage.app.url));
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
  });

  it('previews a received photo under the conversation, not "No messages yet"', async () => {
    // The screenshot's case: a text, then an image from the other person.
    await alice.send('look at this');
    await bob.waitForMessage('look at this');
    await expect.poll(() => entryOf(bob).textContent()).toContain('Alice: look at this');
    await sendFile(alice, { name: 'holiday.png', mimeType: 'image/png', buffer: gradientPng(320, 200) });
    await bob.page.getByRole('img', { name: /^holiday\.png/ }).waitFor({ timeout: 60_000 });
    await expect.poll(() => entryOf(bob).textContent()).toContain('Alice: 📷 Photo');
    await expect.poll(() => entryOf(alice).textContent()).toContain('You: 📷 Photo');
    expect(await entryOf(bob).getByText('No messages yet').count()).toBe(0);
  });

  it("previews a captioned photo by its caption and another file by its name", async () => {
    await sendFile(alice, { name: 'beach.png', mimeType: 'image/png', buffer: gradientPng(64, 48) }, 'the beach at noon');
    await bob.waitForMessage('the beach at noon', 60_000);
    await expect.poll(() => entryOf(bob).textContent()).toContain('Alice: 📷 the beach at noon');
    await sendFile(alice, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('a few notes\n') });
    await bob.log.getByText('notes.txt').first().waitFor({ timeout: 60_000 });
    await expect.poll(() => entryOf(bob).textContent()).toContain('Alice: 📎 notes.txt');
    await expect.poll(() => entryOf(alice).textContent()).toContain('You: 📎 notes.txt');
  });

  it('keeps the preview of a file across a reload', async () => {
    await bob.page.reload();
    await bob.page.getByRole('navigation', { name: 'Conversations' }).waitFor();
    await expect.poll(() => entryOf(bob).textContent()).toContain('Alice: 📎 notes.txt');
    expect(await entryOf(bob).getByText('No messages yet').count()).toBe(0);
  });
});
