/**
 * Blocking, as seen in a group (docs/architecture.md §8.2): what a blocked person writes
 * still reaches the user through other members (blocking hides, it authorizes nothing
 * differently), and shows as one collapsed line per run — "3 messages from a blocked
 * person" — that opens on request, never as unread and never as the conversation's preview.
 */
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();

describe('a blocked person in a group', () => {
  it('their messages collapse into one line per run, which opens on request', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    const carol = await ParleyUser.create(stage.browser, 'Carol');
    await alice.start(stage.app.url);
    await bob.start(stage.app.url);
    await carol.start(stage.app.url);
    const invite = await alice.newConversation();
    const group = new URL(alice.page.url()).hash;
    await bob.open(invite);
    await carol.open(invite);
    for (const user of [alice, bob, carol]) await user.waitForPeers(2);
    await bob.send('hello from bob');
    await carol.waitForMessage('hello from bob');

    // Carol knows Bob as a contact, so she can block him. (Made after the group connected:
    // with a 1:1 link between them first, Bob and Carol often never linked for the group.)
    await carol.addContact(await bob.myContactLink());
    await bob.acceptContact('Carol');
    await bob.page.evaluate((hash) => (location.hash = hash), group);
    await bob.waitForMessage('hello from bob');
    await carol.page.getByRole('link', { name: /^Contacts/ }).click();
    await carol.page.getByRole('link', { name: 'Bob', exact: true }).click();
    await carol.page.getByRole('button', { name: 'Block', exact: true }).click();
    await carol.page.getByRole('button', { name: 'Unblock' }).waitFor();
    await carol.page.evaluate((hash) => (location.hash = hash), group);
    await carol.log.waitFor();

    for (const text of ['bob one', 'bob two', 'bob three']) await bob.send(text);
    await alice.waitForMessage('bob three');
    await alice.send('alice in between');
    await bob.waitForMessage('alice in between');
    await bob.send('bob four');
    await alice.waitForMessage('bob four');

    // Bob's messages reach Carol through Alice; each run is one line.
    await carol.waitForMessage('alice in between', 60_000);
    const earlier = carol.log.getByRole('button', { name: '4 messages from a blocked person' });
    const later = carol.log.getByRole('button', { name: '1 message from a blocked person' });
    await earlier.waitFor({ timeout: 60_000 });
    await later.waitFor({ timeout: 60_000 });
    await expect(earlier.getAttribute('aria-expanded')).resolves.toBe('false');
    for (const text of ['hello from bob', 'bob one', 'bob three', 'bob four']) await expect(carol.messageRow(text).count()).resolves.toBe(0);
    // Nothing of Bob's is the preview or unread in the sidebar.
    const entry = carol.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').filter({ hasText: 'alice in between' });
    await entry.waitFor();
    await expect(entry.textContent()).resolves.not.toContain('bob four');

    await earlier.click();
    await expect(earlier.getAttribute('aria-expanded')).resolves.toBe('true');
    for (const text of ['hello from bob', 'bob one', 'bob two', 'bob three']) await carol.waitForMessage(text);
    // Opened, they are read-only: no actions on a blocked person's message.
    await expect(carol.messageRow('bob two').getByRole('button', { name: 'More actions' }).count()).resolves.toBe(0);
    await expect(carol.messageRow('bob four').count()).resolves.toBe(0);
    await earlier.click();
    await expect.poll(() => carol.messageRow('bob two').count()).toBe(0);
    await Promise.all([alice, bob, carol].map((u) => u.close()));
  });
});
