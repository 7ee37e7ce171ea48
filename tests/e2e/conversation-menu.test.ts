/**
 * What a user does to a conversation on their own device (docs/architecture.md §4.9), in
 * real Chromium: archive it (it leaves the main list for Archived, stays archived across a
 * reload, and comes back when someone writes), leave a 1:1 chat, and delete a group — which
 * leaves it, erases its history and keys from this device, and is not brought back by the
 * self doc. Each step asks first, in a dialog.
 */
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { storedConversations, storedLocalState } from '../helpers/stored-conversations.js';

const stage = useAppStage();

/** Alice makes a group and Bob joins it; both are connected. */
async function groupOfTwo(): Promise<{ alice: ParleyUser; bob: ParleyUser }> {
  const { alice, bob } = await ParleyUser.pair(stage.browser, stage.app.url);
  await bob.waitForPeers(1);
  return { alice, bob };
}

/** Picks an action in the conversation's "⋯" menu and returns the confirmation dialog it opens. */
async function ask(user: ParleyUser, action: string, title: RegExp) {
  await user.page.getByRole('button', { name: 'Conversation actions' }).click();
  await user.page.getByRole('menu', { name: 'Conversation actions' }).getByRole('menuitem', { name: action, exact: true }).click();
  const dialog = user.page.getByRole('dialog', { name: title });
  await dialog.waitFor();
  return dialog;
}

describe('archive, leave and delete', () => {
  it('archiving moves a conversation to Archived, even after a reload, and a new message brings it back', async () => {
    const { alice, bob } = await groupOfTwo();
    await bob.send('first');
    await alice.waitForMessage('first');
    const list = alice.page.getByRole('navigation', { name: 'Conversations' });
    await expect(list.getByRole('link').count()).resolves.toBe(1);

    // Cancel first: nothing changes.
    let dialog = await ask(alice, 'Archive', /^Archive .*\?$/);
    await dialog.getByText('A new message brings it back.').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect(list.getByRole('link').count()).resolves.toBe(1);

    dialog = await ask(alice, 'Archive', /^Archive .*\?$/);
    await dialog.getByRole('button', { name: 'Archive', exact: true }).click();
    const toggle = list.getByRole('button', { name: 'Archived (1)' });
    await toggle.waitFor();
    expect(await list.getByRole('link').count()).toBe(0);
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    const archived = list.getByRole('list', { name: 'Archived conversations' });
    await archived.getByRole('link').waitFor();

    // It stays archived on this device across a reload.
    await alice.page.reload();
    await list.getByRole('button', { name: 'Archived (1)' }).waitFor({ timeout: 30_000 });
    expect(await list.getByRole('link').count()).toBe(0);

    // Bob writes: the conversation is back in the main list, Archived is gone.
    await bob.send('are you there?');
    await list.getByRole('link').filter({ hasText: 'are you there?' }).waitFor({ timeout: 30_000 });
    expect(await list.getByRole('button', { name: /^Archived/ }).count()).toBe(0);
    await Promise.all([alice, bob].map((u) => u.close()));
  });

  it('leaving a 1:1 chat asks first; afterwards nothing is sent from it and the other side no longer counts this user in', async () => {
    const { alice, bob } = await ParleyUser.contactPair(stage.browser, stage.app.url);
    await alice.send('before leaving');
    await bob.openChatWith('Alice');
    await bob.waitForMessage('before leaving');

    const dialog = await ask(alice, 'Leave', /^Leave the chat with Bob\?$/);
    await dialog.getByRole('button', { name: 'Leave', exact: true }).click();
    await alice.page.getByRole('status').filter({ hasText: /^You left / }).waitFor({ timeout: 20_000 });
    expect(await alice.composer.count()).toBe(0);
    // The history stays readable.
    await alice.waitForMessage('before leaving');
    // Bob's device removes Alice from the chat (her signed leave note lets any member do so).
    await bob.page.waitForFunction(
      () => {
        const app = document.querySelector('parley-app') as unknown as {
          client: { list(): { id: string }[]; get(id: string): { membership: { state: { members: Map<string, string> } } } };
        };
        const id = app.client.list()[0]!.id;
        return app.client.get(id).membership.state.members.size === 1;
      },
      null,
      { timeout: 30_000 },
    );
    await Promise.all([alice, bob].map((u) => u.close()));
  });

  it('deleting a group says it leaves it, then leaves, erases it from this device (draft and mailbox position too), and a reload does not bring it back', async () => {
    const { alice, bob } = await groupOfTwo();
    await alice.send('history Bob will delete');
    await bob.waitForMessage('history Bob will delete');
    await bob.send('Bob wrote too');
    expect((await storedConversations(bob)).records).toBe(1);
    // What Bob's device keeps beside the document: a draft, his read position in the
    // conversation's mailbox, and the read-marker copy of the page.
    await bob.composer.fill('a draft that goes with the conversation');
    const { topic, mailbox } = await bob.page.evaluate(() => {
      const app = document.querySelector('parley-app') as unknown as { client: { list(): { id: string }[]; get(id: string): { mailboxCredential: { id: string } | null } } };
      const id = app.client.list()[0]!.id;
      return { topic: id, mailbox: app.client.get(id).mailboxCredential?.id ?? '' };
    });
    expect(mailbox).toMatch(/^[0-9a-f]{64}$/);
    await expect.poll(() => storedLocalState(bob, topic, mailbox), { timeout: 20_000 }).toEqual({ draft: true, cursor: true, readMarker: true });

    const dialog = await ask(bob, 'Delete', /^Delete .*\?$/);
    await dialog.getByText(/^You will leave .*Its messages and keys are deleted from this device/).waitFor();
    await dialog.getByRole('button', { name: 'Delete conversation' }).click();
    const list = bob.page.getByRole('navigation', { name: 'Conversations' });
    await list.getByText('No conversations yet.').waitFor({ timeout: 20_000 });
    expect(await storedConversations(bob)).toEqual({ records: 0, documents: [] });
    expect(await storedLocalState(bob, topic, mailbox)).toEqual({ draft: false, cursor: false, readMarker: false });

    // Alice's group no longer has Bob: his leave note reached her, and her device removed him.
    await alice.page.getByRole('button', { name: 'Members', exact: true }).click();
    const members = alice.page.getByRole('dialog', { name: /^Members of / }).getByRole('list', { name: 'Members' });
    await members.getByText('Alice (you)').waitFor();
    await members.getByText('Bob', { exact: true }).waitFor({ state: 'detached', timeout: 30_000 });

    // Bob's account and the rest of his device are untouched; the deleted group stays gone.
    await bob.page.reload();
    await bob.page.getByRole('button', { name: 'New conversation' }).waitFor({ timeout: 30_000 });
    await list.getByText('No conversations yet.').waitFor();
    expect(await storedConversations(bob)).toEqual({ records: 0, documents: [] });
    expect(await storedLocalState(bob, topic, mailbox)).toEqual({ draft: false, cursor: false, readMarker: false });
    await Promise.all([alice, bob].map((u) => u.close()));
  });
  it('deleting a 1:1 chat erases it from this device for good (the self doc lists it, but it stays deleted here), and the contact stays', async () => {
    const { alice, bob } = await ParleyUser.contactPair(stage.browser, stage.app.url);
    await alice.send('to be deleted');
    const dialog = await ask(alice, 'Delete', /^Delete Bob\?$/);
    await expect(dialog.getByText(/^You will leave/).count()).resolves.toBe(0);
    await dialog.getByRole('button', { name: 'Delete conversation' }).click();
    const list = alice.page.getByRole('navigation', { name: 'Conversations' });
    await list.getByText('No conversations yet.').waitFor({ timeout: 20_000 });
    expect(await storedConversations(alice)).toEqual({ records: 0, documents: [] });

    await alice.page.reload();
    await alice.page.getByRole('button', { name: 'New conversation' }).waitFor({ timeout: 30_000 });
    // The start-up reads the self doc, which still lists the chat for Alice's other devices.
    await alice.page.waitForFunction(() => (document.querySelector('parley-app') as unknown as { client: { account: unknown } }).client.account !== null);
    await list.getByText('No conversations yet.').waitFor();
    expect(await storedConversations(alice)).toEqual({ records: 0, documents: [] });
    await alice.page.getByRole('link', { name: /^Contacts/ }).click();
    await alice.page.getByRole('link', { name: 'Bob', exact: true }).waitFor();
    await Promise.all([alice, bob].map((u) => u.close()));
  });
});
