/**
 * Receipts (src/client/conversation/receipts.ts) on real signed documents: one record per
 * device in `reads` carries the mailbox cursor and the receipts without either writer
 * dropping the other's field; Delivered and Read follow other members' records; read
 * receipts off means none written and none seen.
 */
import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { Receipts, updateReadRecord, type ReadRecord } from '../../../src/client/conversation/receipts.js';
import type { SyncedDoc } from '../../../src/core/synced-doc.js';
import { LOCAL_ORIGIN } from '../../../src/core/synced-doc.js';
import type { DeviceId } from '../../../src/core/ids.js';
import { Timeline } from '../../../src/core/timeline.js';
import { copyState, memberDoc, say, testAccount, tick } from '../../helpers/signed-docs.js';

function receiptsFor(doc: SyncedDoc, sharesReads = () => true): Receipts {
  const timeline = (): Timeline => {
    const t = new Timeline();
    t.add(doc.log.readAll());
    return t;
  };
  return new Receipts({
    synced: doc,
    device: doc.account.device.id,
    me: doc.account.identity.sign,
    timeline,
    isMine: (d) => d === doc.account.device.id,
    identityOf: (d) => doc.directory.identityOf(d),
    sharesReads,
    now: tick,
    changed: () => undefined,
    failed: (error) => {
      throw error;
    },
    everyMs: 0,
  });
}

const recordOf = (doc: SyncedDoc): ReadRecord | undefined => doc.doc.getMap<ReadRecord>('reads').get(doc.account.device.id);

describe('receipts', () => {
  it('Delivered, then Read, from the other member; the mailbox cursor is kept', async () => {
    const alice = await memberDoc(await testAccount('Alice'));
    const bob = await memberDoc(await testAccount('Bob'));
    copyState(alice, bob);
    copyState(bob, alice);
    const [sent] = await say(alice, 'are you there?');
    copyState(alice, bob);
    const aliceSees = receiptsFor(alice);
    const entry = () => {
      const t = new Timeline();
      t.add(alice.log.readAll());
      return t.get(sent!.id)!;
    };
    expect(aliceSees.of(entry())).toEqual({ delivered: false, readBy: [] });

    await updateReadRecord(bob, bob.account.device.id, (c) => ({ ...c, mailboxSeq: 5 }), tick, LOCAL_ORIGIN);
    const bobWrites = receiptsFor(bob);
    bobWrites.note(false);
    await vi.waitFor(() => expect(recordOf(bob)?.got).toBeGreaterThan(0));
    expect(recordOf(bob)?.mailboxSeq).toBe(5);
    expect(recordOf(bob)?.upTo).toBeUndefined();
    // Asked again in the same pass as the record arrives: the list kept for the pass is dropped.
    expect(aliceSees.of(entry()).delivered).toBe(false);
    copyState(bob, alice);
    expect(aliceSees.of(entry())).toEqual({ delivered: true, readBy: [] });

    bobWrites.note(true);
    await vi.waitFor(() => expect(recordOf(bob)?.upTo).toBe(recordOf(bob)?.got));
    // The mailbox writer keeps the receipts as the receipts kept its cursor.
    await updateReadRecord(bob, bob.account.device.id, (c) => ({ ...c, mailboxSeq: 9 }), tick, LOCAL_ORIGIN);
    expect(recordOf(bob)).toMatchObject({ mailboxSeq: 9, got: recordOf(bob)!.upTo });
    copyState(bob, alice);
    const read = aliceSees.of(entry());
    expect(read.readBy.map((r) => r.device)).toEqual([bob.account.device.id as DeviceId]);
    // Read receipts off: Alice sees nobody's.
    expect(receiptsFor(alice, () => false).of(entry()).readBy).toEqual([]);
    bobWrites.destroy();
    aliceSees.destroy();
  });

  it("a live ack from another member's device makes a message Delivered at once; one's own does not count", async () => {
    const alice = await memberDoc(await testAccount('Alice'));
    const bob = await memberDoc(await testAccount('Bob'));
    copyState(alice, bob);
    copyState(bob, alice);
    const [first] = await say(alice, 'first');
    const aliceSees = receiptsFor(alice);
    const entry = (id: string) => {
      const t = new Timeline();
      t.add(alice.log.readAll());
      return t.get(id as never)!;
    };
    const svOf = (doc: SyncedDoc) => Y.decodeStateVector(Y.encodeStateVector(doc.doc));
    // Bob acknowledges before he has it: nothing.
    aliceSees.acked(bob.account.device.id, svOf(bob));
    expect(aliceSees.of(entry(first!.id)).delivered).toBe(false);
    // Alice's own device acknowledging counts for nothing.
    aliceSees.acked(alice.account.device.id, svOf(alice));
    expect(aliceSees.of(entry(first!.id)).delivered).toBe(false);
    copyState(alice, bob);
    aliceSees.acked(bob.account.device.id, svOf(bob));
    expect(aliceSees.of(entry(first!.id)).delivered).toBe(true);
    // A later message is not covered by that ack.
    const [second] = await say(alice, 'second');
    expect(aliceSees.of(entry(second!.id)).delivered).toBe(false);
    aliceSees.destroy();
  });

  it('with read receipts off, a device writes what it got but never how far its user read', async () => {
    const alice = await memberDoc(await testAccount('Alice'));
    const bob = await memberDoc(await testAccount('Bob'));
    copyState(alice, bob);
    await say(alice, 'hello');
    copyState(alice, bob);
    const quiet = receiptsFor(bob, () => false);
    quiet.note(true);
    await vi.waitFor(() => expect(recordOf(bob)?.got).toBeGreaterThan(0));
    expect(recordOf(bob)?.upTo).toBeUndefined();
    quiet.destroy();
  });
});
