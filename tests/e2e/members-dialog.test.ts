/**
 * The Members dialog's code loads on first use. A click on Members that lands just before
 * the view is swapped for another conversation (New conversation, a link in the sidebar)
 * finishes loading after its view has gone: that must neither throw ("show is not a
 * function", seen once right after New conversation) nor break the next view's Members.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();

describe('the Members dialog', () => {
  let alice: ParleyUser;
  const errors: string[] = [];

  beforeAll(async () => {
    alice = await ParleyUser.create(stage.browser, 'Alice');
    await alice.start(stage.app.url);
    // After start: a hanging first navigation is retried in a new page.
    alice.page.on('pageerror', (error) => errors.push(error.message));
  });

  afterAll(async () => {
    await alice?.close();
  });

  /** New conversation, once it is the one on screen (without waiting for anything else). */
  async function newConversation(): Promise<void> {
    const before = new URL(alice.page.url()).hash;
    await alice.page.getByRole('button', { name: 'New conversation' }).click();
    await alice.page.waitForFunction((b) => /^#\/c\//.test(location.hash) && location.hash !== b, before);
  }

  async function openAndCloseMembers(): Promise<void> {
    await alice.page.getByRole('button', { name: 'Members', exact: true }).click();
    const dialog = alice.page.getByRole('dialog', { name: 'Members of New conversation' });
    await dialog.getByRole('list', { name: 'Members' }).getByText('Alice (you)').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
  }

  it('a click on Members of a conversation being replaced does nothing wrong; the new one opens', async () => {
    await alice.newConversation();
    // The Members button of the conversation on screen, kept across the swap.
    const old = await alice.page.getByRole('button', { name: 'Members', exact: true }).elementHandle();
    await newConversation();
    await expect.poll(() => old!.evaluate((b) => b.isConnected)).toBe(false);
    // The click lands on the old view: its Members code loads (for the first time) after it left.
    await old!.evaluate((b) => (b as HTMLButtonElement).click());
    await alice.page.waitForFunction(() => customElements.get('parley-members') !== undefined);
    // The conversation on screen now: its Members opens, and nothing was thrown.
    await openAndCloseMembers();
    expect(errors).toEqual([]);
  });

  it('opens right after New conversation, every time', async () => {
    for (let i = 0; i < 5; i++) {
      await newConversation();
      await openAndCloseMembers();
    }
    expect(errors).toEqual([]);
  });
});
