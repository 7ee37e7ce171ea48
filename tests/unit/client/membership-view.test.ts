/**
 * What the membership view reads from a conversation document (docs/architecture.md §4.4):
 * the record written first under each epoch id, and under every other key the newest one
 * its own writer wrote. Any member device may write any key of these maps, so Bob can
 * replace Alice's `blocked` record, or her invite revocation, with one of his own under its
 * key; the view must still see hers. Real signed documents and the real authorizer.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { MembershipView } from '../../../src/client/conversation/membership-view.js';
import { LOCAL_ORIGIN, type SyncedDoc } from '../../../src/client/synced-doc.js';
import type { Topic } from '../../../src/core/ids.js';
import type { Account } from '../../../src/store/types.js';
import { copyState, memberDoc, testAccount, tick } from '../../helpers/signed-docs.js';

const SHARE = 'S'.repeat(123);

/** An epoch record under `id` by `doc`'s device, with (fake, well-shaped) shares to `holders`. */
function writeEpoch(doc: SyncedDoc, id: string, holders: Account[], reason: string) {
  const device = doc.account.device.id;
  const of = <T>(value: (a: Account) => T) => Object.fromEntries(holders.map((a) => [a.device.id, value(a)]));
  const body = { type: 'epoch', by: device, at: tick(), id, seq: 1, parents: ['g0'], ops: [], reason, shares: of(() => SHARE), owners: of((a) => a.identity.sign), keys: of(() => 'K'.repeat(43)) };
  return doc.writer.setRecord('epochs', id, body, LOCAL_ORIGIN);
}

/** Hands `from`'s news to `to` through `to`'s authorizer, as a peer or the mailbox would. */
async function deliver(from: SyncedDoc, to: SyncedDoc): Promise<void> {
  const update = Y.encodeStateAsUpdate(from.doc, Y.encodeStateVector(to.doc));
  expect(await to.authorizer.authorize(update)).toMatchObject({ ok: true });
  Y.applyUpdate(to.doc, update, 'remote');
}

/**
 * Alice and Bob (and Carol, for a group of three), admins of an implicit genesis, each with a
 * document holding every member record; Alice's view. A 1:1 unless `kind` says a group.
 */
async function members(withCarol = false, kind: 'direct' | 'group' = withCarol ? 'group' : 'direct') {
  const accounts = await Promise.all(['Alice', 'Bob', ...(withCarol ? ['Carol'] : [])].map((name) => testAccount(name)));
  const docs = await Promise.all(accounts.map((a) => memberDoc(a)));
  for (const from of docs) for (const to of docs) if (from !== to) copyState(from, to);
  const [alice, bob] = accounts as [Account, Account];
  const [aliceDoc, bobDoc] = docs as [SyncedDoc, SyncedDoc];
  // Whom Alice's self doc says she blocked (her contact records; a plain set here).
  const blockedHere = new Set<string>();
  const view = new MembershipView({
    conversation: 'c'.repeat(32) as Topic,
    synced: aliceDoc,
    implicit: () => accounts.map((a) => a.identity.sign),
    kind,
    isBlocked: (who) => blockedHere.has(who),
  });
  return { alice, bob, aliceDoc, bobDoc, view, blockedHere };
}

/** An invite Bob's device makes (g0, never expiring), delivered to Alice's document. */
async function bobInvites(bob: Account, bobDoc: SyncedDoc, aliceDoc: SyncedDoc, invite: string): Promise<void> {
  await bobDoc.writer.setRecord(
    'invites',
    `${invite}:${bob.device.id}`,
    { type: 'invite', by: bob.device.id, at: tick(), invite, secret: 'd'.repeat(43), expires: Number.MAX_SAFE_INTEGER, epoch: 'g0' },
    LOCAL_ORIGIN,
  );
  await deliver(bobDoc, aliceDoc);
}

/** A join request Bob's device records for `joiner` (approval on), delivered to Alice's document. */
async function bobRecordsRequest(bob: Account, bobDoc: SyncedDoc, aliceDoc: SyncedDoc, joiner: Account, invite: string): Promise<void> {
  await bobDoc.writer.setRecord(
    'requests',
    `${invite}:${joiner.device.id}:${bob.device.id}`,
    { type: 'request', by: bob.device.id, at: tick(), invite, cert: joiner.cert, dh: joiner.dh!.at(-1)!.public, name: joiner.name },
    LOCAL_ORIGIN,
  );
  await deliver(bobDoc, aliceDoc);
}

describe('MembershipView', () => {
  it('folds the record written first under an epoch id, not one that later replaced it', async () => {
    const { alice, bob, aliceDoc, bobDoc, view } = await members();

    await writeEpoch(aliceDoc, 'e1-aliceblocks', [alice], 'blocked');
    await deliver(aliceDoc, bobDoc);
    await writeEpoch(bobDoc, 'e1-aliceblocks', [alice, bob], 'weekly');
    await deliver(bobDoc, aliceDoc);
    // The map now holds Bob's record under Alice's id; the fold still reads hers.
    expect(aliceDoc.doc.getMap<{ by: string }>('epochs').get('e1-aliceblocks')!.by).toBe(bob.device.id);
    const current = view.state.current!;
    expect(current.id).toBe('e1-aliceblocks');
    expect(current.record!.by).toBe(alice.device.id);
    expect(Object.values(current.record!.owners)).toEqual([alice.identity.sign]);
    expect(view.state.blocked.get(bob.identity.sign)?.has(alice.identity.sign)).toBe(true);
    view.destroy();
  });

  it("keeps an admin's invite revocation when another member writes under its key", async () => {
    const { alice, bob, aliceDoc, bobDoc, view } = await members();
    const invite = 'a'.repeat(32);
    const fields = { type: 'invite', invite, secret: 'b'.repeat(43), expires: Number.MAX_SAFE_INTEGER, epoch: 'g0' };
    await bobDoc.writer.setRecord('invites', `${invite}:${bob.device.id}`, { ...fields, by: bob.device.id, at: tick() }, LOCAL_ORIGIN);
    await deliver(bobDoc, aliceDoc);
    await aliceDoc.writer.setRecord('invites', `${invite}:${alice.device.id}`, { ...fields, by: alice.device.id, at: tick(), revoked: true }, LOCAL_ORIGIN);
    expect(view.invites().map((i) => i.revoked)).toEqual([true]);
    await deliver(aliceDoc, bobDoc);
    // Bob writes an invite of his own under Alice's key, replacing her revocation in the map.
    await bobDoc.writer.setRecord('invites', `${invite}:${alice.device.id}`, { ...fields, by: bob.device.id, at: tick() }, LOCAL_ORIGIN);
    await deliver(bobDoc, aliceDoc);
    expect(aliceDoc.doc.getMap<{ by: string }>('invites').get(`${invite}:${alice.device.id}`)!.by).toBe(bob.device.id);
    expect(view.invites().map((i) => i.revoked)).toEqual([true]);
    view.destroy();
  });

  it('lists no invite made by someone a block withholds: whoever joined by it would get the blocker’s epoch', async () => {
    const { alice, bob, aliceDoc, bobDoc, view } = await members();
    const invite = 'c'.repeat(32);
    await bobInvites(bob, bobDoc, aliceDoc, invite);
    expect(view.invites().map((i) => i.id)).toEqual([invite]);
    await writeEpoch(aliceDoc, 'e1-aliceblocks', [alice], 'blocked');
    expect(view.invites()).toEqual([]);
    view.destroy();
  });

  it('lists no join request a blocked person recorded, for anyone: the blocker’s approval list never shows it', async () => {
    const { alice, bob, aliceDoc, bobDoc, view } = await members();
    const puppet = await testAccount('Puppet');
    const invite = 'e'.repeat(32);
    // Bob's device records a join request for a second identity he controls (approval on):
    // approving it would seal the puppet Alice's epoch.
    await bobRecordsRequest(bob, bobDoc, aliceDoc, puppet, invite);
    expect(view.pendingRequests().map((r) => r.identity)).toEqual([puppet.identity.sign]);
    await writeEpoch(aliceDoc, 'e1-aliceblocks', [alice], 'blocked');
    expect(view.pendingRequests()).toEqual([]);
    view.destroy();
  });

  it('lists no join request of someone the user blocked before the 1:1 holds the block record', async () => {
    const { bob, aliceDoc, bobDoc, view, blockedHere } = await members();
    const puppet = await testAccount('Puppet');
    const invite = 'f'.repeat(32);
    await bobRecordsRequest(bob, bobDoc, aliceDoc, puppet, invite);
    expect(view.pendingRequests().map((r) => r.identity)).toEqual([puppet.identity.sign]);
    // Her self doc says Bob is blocked; this device has not received (or written) the block record.
    blockedHere.add(bob.identity.sign);
    expect(view.state.blocked.size).toBe(0);
    expect(view.pendingRequests()).toEqual([]);
    view.destroy();
  });

  it('lists no invite of someone the user blocked before the 1:1 holds the block record: her invite desk would answer it', async () => {
    const { bob, aliceDoc, bobDoc, view, blockedHere } = await members();
    const invite = '9'.repeat(32);
    await bobInvites(bob, bobDoc, aliceDoc, invite);
    expect(view.invites().map((i) => i.id)).toEqual([invite]);
    // Her self doc says Bob is blocked; this device has not received (or written) the block record.
    blockedHere.add(bob.identity.sign);
    expect(view.state.blocked.size).toBe(0);
    expect(view.invites()).toEqual([]);
    blockedHere.delete(bob.identity.sign);
    expect(view.invites().map((i) => i.id)).toEqual([invite]);
    view.destroy();
  });

  // A group of exactly two is a group: the view had counted it as a 1:1 (two members) and left
  // Bob's invites out, while no block rotation withheld him there (blockWithholds, §4.4).
  it.each([
    ['of three', 3],
    ['of exactly two', 2],
  ])('in a group %s still lists the invites and join requests of someone the user blocked: there blocking only hides', async (_size, size) => {
    const { bob, aliceDoc, bobDoc, view, blockedHere } = await members(size === 3, 'group');
    const joiner = await testAccount('Dana');
    const invite = '8'.repeat(32);
    await bobInvites(bob, bobDoc, aliceDoc, invite);
    await bobRecordsRequest(bob, bobDoc, aliceDoc, joiner, invite);
    blockedHere.add(bob.identity.sign);
    expect(view.state.members.size).toBe(size);
    // Bob holds the group's epoch anyway: her desk answering his invite lets nobody in by proxy,
    // and she (an admin) must still find it to revoke it, and Dana's request to decide on it.
    expect(view.invites().map((i) => ({ id: i.id, by: i.by }))).toEqual([{ id: invite, by: bob.identity.sign }]);
    expect(view.pendingRequests().map((r) => r.identity)).toEqual([joiner.identity.sign]);
    view.destroy();
  });
});
