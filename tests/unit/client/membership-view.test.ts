/**
 * What the membership fold reads from a conversation document (docs/architecture.md §4.4):
 * the record written first under each epoch id. Any member device may write any key of
 * `epochs`, so Bob can replace Alice's `blocked` record with one of his own under its id;
 * the fold must still see hers. Real signed documents and the real authorizer.
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

describe('MembershipView', () => {
  it('folds the record written first under an epoch id, not one that later replaced it', async () => {
    const [alice, bob] = await Promise.all([testAccount('Alice'), testAccount('Bob')]);
    const [aliceDoc, bobDoc] = await Promise.all([memberDoc(alice), memberDoc(bob)]);
    copyState(aliceDoc, bobDoc);
    copyState(bobDoc, aliceDoc);
    const view = new MembershipView({ conversation: 'c'.repeat(32) as Topic, synced: aliceDoc, implicit: () => [alice.identity.sign, bob.identity.sign] });

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
});
