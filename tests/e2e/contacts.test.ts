/**
 * Contacts and private 1:1 conversations (docs/architecture.md §8.4): contact links with QR codes, requests,
 * safety numbers, verification, and a third party who knows only public keys and gets
 * nothing.
 */
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();

/** Every message text any conversation of this user holds. */
async function everyMessage(user: ParleyUser): Promise<string[]> {
  return user.page.evaluate(() => {
    const app = document.querySelector('parley-app') as unknown as { client: { list(): { id: string }[]; get(id: string): { timeline: { entries: { kind: string; text: string }[] } } } };
    return app.client.list().flatMap((c) => app.client.get(c.id).timeline.entries.filter((e) => e.kind === 'message').map((e) => e.text));
  });
}

describe('contacts and 1:1 conversations', () => {
  it('two users exchange contact links, chat 1:1 and verify each other', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await alice.start(stage.app.url);
    await bob.start(stage.app.url);

    const aliceLink = await alice.myContactLink();
    expect(new URL(aliceLink).hash).toMatch(/^#contact=[A-Za-z0-9_-]+$/);
    // Bob opens Alice's link: that sends her a request.
    await bob.open(aliceLink);
    await bob.page.getByText('Request sent — waiting for Alice to accept').waitFor();
    await alice.acceptContact('Bob');

    await alice.waitForPeers(1);
    await alice.send('Hi Bob, only you can read this');
    await bob.openChatWith('Alice');
    await bob.waitForMessage('Hi Bob, only you can read this');
    await bob.send('Hi Alice');
    await alice.waitForMessage('Hi Alice');
    // Each side shows the other's name, carried by their signed member record.
    await bob.messageRow('Hi Bob, only you can read this').getByText('Alice', { exact: true }).waitFor();
    await alice.messageRow('Hi Alice').getByText('Bob', { exact: true }).waitFor();
    // A 1:1 conversation offers the safety number, never an invite link.
    await bob.page.getByRole('main').getByRole('link', { name: 'Safety number' }).waitFor();
    await expect(bob.page.getByRole('button', { name: 'Invite' }).count()).resolves.toBe(0);

    // Safety numbers match on both sides; verifying shows a badge.
    const aliceSees = await alice.safetyNumberOf('Bob');
    const bobSees = await bob.safetyNumberOf('Alice');
    expect(aliceSees).toMatch(/^\d{60}$/);
    expect(aliceSees).toBe(bobSees);
    await alice.page.getByRole('button', { name: 'Mark as verified' }).click();
    await alice.page.getByText('✓ Verified').waitFor();
    await alice.openChatWith('Bob');
    await alice.page.getByRole('heading', { name: /Bob\s+Verified/ }).waitFor();
    await alice.close();
    await bob.close();
  });

  it('a third party holding the public links receives nothing and can write nothing', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    const carol = await ParleyUser.create(stage.browser, 'Carol');
    await alice.start(stage.app.url);
    await bob.start(stage.app.url);
    await carol.start(stage.app.url);
    const aliceLink = await alice.myContactLink();
    const bobLink = await bob.myContactLink();
    await bob.addContact(aliceLink);
    await alice.acceptContact('Bob');
    const pairTopic = new URL(alice.page.url()).hash.replace('#/c/', '');

    // Carol has both public links. She can ask to be a contact, nothing more.
    await carol.addContact(aliceLink);
    await carol.addContact(bobLink);
    expect(await carol.page.evaluate((topic) => {
      const app = document.querySelector('parley-app') as unknown as { client: { list(): { id: string }[] } };
      return app.client.list().some((c) => c.id === topic);
    }, pairTopic)).toBe(false);
    // She even learns the pair's topic (the server sees it) and joins it with keys of her
    // own, announcing herself there and waiting for anyone to sync.
    await carol.page.evaluate(async (topic) => {
      type Session = { doc: { constructor: new () => unknown }; awareness: unknown; synced: { policy: unknown }; parts: { keys: Record<string, unknown> } };
      const app = document.querySelector('parley-app') as unknown as { client: { list(): { id: string }[]; get(id: string): Session; parts: { mesh: Promise<{ addRoom(id: string, k: unknown, d: unknown, a: unknown, p: unknown): unknown }> } } };
      const own = app.client.get(app.client.list()[0]!.id);
      const doc = new own.doc.constructor();
      (window as unknown as { intruderDoc: unknown }).intruderDoc = doc;
      // The page's client holds the promise of its mesh (loaded after the list, client/network-handles.ts).
      (await app.client.parts.mesh).addRoom(topic, { ...own.parts.keys, topic }, doc, own.awareness, own.synced.policy);
    }, pairTopic);

    await alice.waitForPeers(1);
    await alice.send('secret plan');
    await bob.openChatWith('Alice');
    await bob.waitForMessage('secret plan');
    await bob.send('agreed');
    await alice.waitForMessage('agreed');

    const carolHas = await everyMessage(carol);
    expect(carolHas).not.toContain('secret plan');
    expect(carolHas).not.toContain('agreed');
    // Her room on the pair's topic never synced a byte.
    expect(await carol.page.evaluate(() => (window as unknown as { intruderDoc: { share: Map<string, unknown> } }).intruderDoc.share.size)).toBe(0);
    // The pair's conversation holds exactly two identities, and only one peer is connected.
    const members = await alice.page.evaluate((topic) => {
      const app = document.querySelector('parley-app') as unknown as { client: { get(id: string): { synced: { directory: { members(): Iterable<[string, { cert: { identity: { sign: string } } }]> } } } } };
      return [...new Set([...app.client.get(topic).synced.directory.members()].map(([, m]) => m.cert.identity.sign))].length;
    }, pairTopic);
    expect(members).toBe(2);
    await alice.waitForPeers(1);
    await Promise.all([alice, bob, carol].map((u) => u.close()));
  });

  it('blocking hides a contact and stops syncing with them; a new key under a known name warns loudly', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await alice.start(stage.app.url);
    await bob.start(stage.app.url);
    const aliceLink = await alice.myContactLink();
    await bob.addContact(aliceLink);
    await alice.acceptContact('Bob');
    await alice.waitForPeers(1);
    await bob.openChatWith('Alice');
    await bob.send('before the block');
    await alice.waitForMessage('before the block');

    await alice.page.getByRole('link', { name: /^Contacts/ }).click();
    await alice.page.getByRole('link', { name: 'Bob', exact: true }).click();
    await alice.page.getByRole('button', { name: 'Block', exact: true }).click();
    await alice.page.getByRole('button', { name: 'Unblock' }).waitFor();
    // The conversation leaves Alice's list and Bob's device is disconnected and refused.
    await expect.poll(() => alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').count()).toBe(0);
    await bob.page.getByRole('status').filter({ hasText: 'Offline — messages will be delivered later' }).waitFor({ timeout: 20_000 });
    await bob.send('after the block');
    await bob.messageRow('after the block').waitFor();
    const stillThere = await alice.page.evaluate(async () => {
      const app = document.querySelector('parley-app') as unknown as { client: { get(id: string): unknown; parts: { mesh: Promise<{ linkCount: number }> } } };
      return (await app.client.parts.mesh).linkCount;
    });
    expect(stillThere).toBe(0);
    expect(await everyMessage(alice)).not.toContain('after the block');
    // Nothing from Bob is shown any more, old messages included.
    expect(await everyMessage(alice)).not.toContain('before the block');

    // Someone else calling themselves Bob asks to connect: Alice is warned.
    const impostor = await ParleyUser.create(stage.browser, 'Bob');
    await impostor.start(stage.app.url);
    await impostor.addContact(aliceLink);
    await alice.page.getByRole('link', { name: /^Contacts/ }).click();
    await alice.page.getByRole('alert').filter({ hasText: 'this is not the Bob you know' }).waitFor({ timeout: 30_000 });
    await alice.page.getByRole('button', { name: 'Accept Bob' }).waitFor();
    await Promise.all([alice, bob, impostor].map((u) => u.close()));
  });
});
