/**
 * Invites as people use them (docs/architecture.md §4.5), in real Chromium: a revoked or
 * expired link is refused with a clear message and leaves nothing on the joining device;
 * with "Approve new members" on, the joiner waits until an admin approves (then gets the
 * conversation and its history) or declines (a clear message, nothing stored).
 *
 * Expiry uses Playwright's clock on the pages (no real waiting): a day passes for the inviting
 * member and the joiner, and the member's own record of the invite decides, whatever
 * expiry the link claims.
 */
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { storedConversations } from '../helpers/stored-conversations.js';

const stage = useAppStage();
const DAY_MS = 24 * 60 * 60 * 1000;

/** Opens the Members dialog of the open group. */
async function openMembers(user: ParleyUser): Promise<Locator> {
  await user.page.getByRole('button', { name: 'Members', exact: true }).click();
  const dialog = user.page.getByRole('dialog', { name: /^Members of / });
  await dialog.waitFor();
  return dialog;
}

/** Makes a new invite link in Members, expiring after the given choice ("1 day", "7 days"). */
async function createInvite(user: ParleyUser, expiry: string): Promise<string> {
  const dialog = await openMembers(user);
  await dialog.getByRole('combobox', { name: 'Expires after' }).selectOption({ label: expiry });
  await dialog.getByRole('button', { name: 'Create invite link' }).click();
  const box = dialog.getByRole('textbox', { name: 'New invite link' });
  await box.waitFor();
  return box.inputValue();
}

/** The joiner was refused: the message is shown, and no conversation was created or stored. */
async function expectRefusedWithNothingStored(user: ParleyUser, message: string): Promise<void> {
  await user.page.getByRole('alert').filter({ hasText: message }).waitFor({ timeout: 30_000 });
  const list = user.page.getByRole('navigation', { name: 'Conversations' });
  await list.getByText('No conversations yet.').waitFor();
  expect(await list.getByRole('link').count()).toBe(0);
  expect(await storedConversations(user)).toEqual({ records: 0, documents: [] });
}

describe('invite links', () => {
  it('a revoked link is refused with a clear message, and nothing is created on the joining device', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    await alice.start(stage.app.url);
    await alice.newConversation();
    await alice.send('only for members');
    const link = await createInvite(alice, '7 days');
    const dialog = alice.page.getByRole('dialog', { name: /^Members of / });
    const invites = dialog.getByRole('list', { name: 'Invite links' });
    // Newest first: the link just made.
    await invites.getByRole('listitem').first().getByRole('button', { name: 'Revoke invite' }).click();
    await invites.getByRole('listitem').first().getByText(/Revoked/).waitFor();

    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await bob.open(link);
    await bob.register();
    await expectRefusedWithNothingStored(bob, 'This invite link was revoked. Ask for a new one.');
    await Promise.all([alice, bob].map((u) => u.close()));
  });

  it('an expired link is refused with a clear message — by the members, whatever the link says, and at once when it says so itself', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    // Alice's clock runs normally until the test moves it forward.
    await alice.context.clock.install();
    await alice.start(stage.app.url);
    await alice.newConversation();
    const link = await createInvite(alice, '1 day');
    const expires = parseInt(new URL(link).hash.match(/[&#]x=([0-9a-z]+)/)![1]!, 36);
    expect(expires - Date.now()).toBeGreaterThan(DAY_MS - 60_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(DAY_MS);

    // A day and an hour pass for Alice. The invite list says so once it is drawn again.
    await alice.context.clock.fastForward(DAY_MS + 60 * 60 * 1000);
    const dialog = alice.page.getByRole('dialog', { name: /^Members of / });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await openMembers(alice);
    await dialog.getByRole('list', { name: 'Invite links' }).getByRole('listitem').first().getByText('Expired').waitFor();

    // A day has passed for Bob too. He edits the link to say it expires in a month: the
    // link's own expiry only spares a pointless request, Alice's device decides by its record.
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await bob.context.clock.install({ time: Date.now() + DAY_MS + 60 * 60 * 1000 });
    const edited = link.replace(/([&#]x=)[0-9a-z]+/, (_, p: string) => p + (Date.now() + 31 * DAY_MS).toString(36));
    expect(edited).not.toBe(link);
    await bob.open(edited);
    await bob.register();
    await expectRefusedWithNothingStored(bob, 'This invite link has expired. Ask for a new one.');

    // Carol's clock is two days ahead and her link unedited: her device refuses it by what it
    // says, before asking anyone.
    const carol = await ParleyUser.create(stage.browser, 'Carol');
    await carol.context.clock.install({ time: Date.now() + 2 * DAY_MS });
    await carol.open(link);
    await carol.register();
    await expectRefusedWithNothingStored(carol, 'This invite link has expired. Ask for a new one.');
    await Promise.all([alice, bob, carol].map((u) => u.close()));
  });
});

describe('approve new members', () => {
  it('the joiner waits for approval until an admin approves, then gets the conversation and its history; a declined joiner is told and keeps nothing', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    await alice.start(stage.app.url);
    const link = await alice.newConversation();
    await alice.send('history before anyone joined');
    const dialog = await openMembers(alice);
    await dialog.getByRole('checkbox', { name: 'Approve new members' }).check();
    await dialog.getByRole('button', { name: 'Close' }).click();

    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await bob.open(link);
    await bob.register();
    const waiting = bob.page.getByRole('region', { name: 'Joining a group' }).getByRole('status');
    await waiting.filter({ hasText: /^Waiting for approval/ }).waitFor({ timeout: 30_000 });
    expect(await storedConversations(bob)).toEqual({ records: 0, documents: [] });

    await openMembers(alice);
    const requests = dialog.getByRole('list', { name: 'Join requests' });
    await requests.getByRole('button', { name: 'Approve Bob' }).click({ timeout: 30_000 });
    await bob.log.waitFor({ timeout: 30_000 });
    await bob.waitForMessage('history before anyone joined', 30_000);
    await dialog.getByRole('list', { name: 'Members' }).getByText('Bob', { exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();

    // The waiting message held while nobody answered: Bob saw it before Alice approved, and
    // is now in. Carol is declined.
    const carol = await ParleyUser.create(stage.browser, 'Carol');
    await carol.open(link);
    await carol.register();
    await carol.page.getByRole('region', { name: 'Joining a group' }).getByRole('status').filter({ hasText: /^Waiting for approval/ }).waitFor({ timeout: 30_000 });
    await openMembers(alice);
    await requests.getByRole('button', { name: 'Decline Carol' }).click({ timeout: 30_000 });
    await expectRefusedWithNothingStored(carol, 'An admin turned down your request to join.');
    expect(await dialog.getByRole('list', { name: 'Members' }).getByText('Carol').count()).toBe(0);
    await Promise.all([alice, bob, carol].map((u) => u.close()));
  });
});
