/**
 * One "gap" entry in a conversation's mailbox — an update that depends on history the
 * mailbox never held — must not pin every member's read cursor forever
 * (docs/architecture.md §7). Real server (SQLite on a temp dir, port 0), real sealed
 * entries, real signed documents and courier.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../src/core/bytes.js';
import { seal } from '../../../src/core/sealed.js';
import { MemoryMailboxStateStore } from '../../../src/store/mailbox-state.js';
import { useMailboxStage, type MailboxStage } from '../../helpers/mailbox-stage.js';
import { memberDoc, say, testAccount, texts } from '../../helpers/signed-docs.js';

const stage = useMailboxStage();
const id = () => stage.current.id;
const courierFor: MailboxStage['courierFor'] = (doc, progress) => stage.current.courierFor(doc, progress);

describe('a gap entry in the mailbox', () => {
  it('stops pinning the read cursor after a bounded number of pulls, and later entries still arrive', async () => {
    const mallory = await memberDoc(await testAccount('Mallory'));
    const alice = await memberDoc(await testAccount('Alice'));
    const bob = await memberDoc(await testAccount('Bob'));
    // Mallory appends a diff whose history never went into the mailbox: a gap for everyone.
    const hidden = Y.encodeStateVector(mallory.doc);
    await say(mallory, 'depends on history nobody has');
    const gap = Y.encodeStateAsUpdate(mallory.doc, hidden);
    await stage.current.client.append(id(), stage.current.keys.mailboxToken, await seal(stage.current.keys.mailboxKey, gap, utf8(`parley-mailbox/v1\n${id()}`)));
    // Alice writes normally afterwards.
    await say(alice, 'after the gap');
    await courierFor(alice).push();

    const progress = new MemoryMailboxStateStore();
    const bobCourier = courierFor(bob, progress);
    const cursors: number[] = [];
    for (let i = 0; i < 5; i++) cursors.push((await bobCourier.pull()).readSeq);
    expect({ texts: texts(bob), finalCursor: cursors.at(-1) }).toEqual({ texts: ['after the gap'], finalCursor: 2 });
  });
});
