/**
 * Edits, deletes and reactions from the session (docs/architecture.md §3.1: they are signed events like
 * messages): they change the timeline, only the writing device may edit or delete, and an
 * unacknowledged change left in the outbox is not written twice when the app restarts.
 * Real signed docs, sessions and sync engine; only storage is in memory.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { ConversationSession } from '../../../src/client/conversation-session.js';
import { randomBytes, toBase64Url } from '../../../src/core/bytes.js';
import type { EventId } from '../../../src/core/ids.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { deriveConversationKeys, SECRET_BYTES, type ConversationKeys } from '../../../src/core/keys.js';
import { RoomSync } from '../../../src/net/room-sync.js';
import { MemoryDocStore, MemoryOutboxStore } from '../../../src/store/memory.js';
import type { Account } from '../../../src/store/types.js';
import { memberDoc, say, testAccount, tick } from '../../helpers/signed-docs.js';

async function openSession(account: Account, keys: ConversationKeys, secret: Uint8Array, outbox: MemoryOutboxStore, state?: Uint8Array) {
  const session = new ConversationSession({
    record: { id: keys.topic, secret: toBase64Url(secret), title: 'Team', createdAt: tick() },
    keys,
    account,
    outbox,
    verifyKeys: new VerifyKeyCache(),
    appUrl: 'http://localhost/',
    now: tick,
    isBlocked: () => false,
    blockDecision: () => null,
  });
  if (state) Y.applyUpdate(session.doc, state);
  await session.open(new MemoryDocStore().open(keys.topic, session.doc), (s) => new RoomSync(keys.topic, s.doc, s.awareness, s.synced.policy, () => undefined));
  return session;
}

async function scene() {
  const [alice, bob] = await Promise.all([testAccount('Alice'), testAccount('Bob')]);
  const secret = randomBytes(SECRET_BYTES);
  const keys = await deriveConversationKeys(secret);
  const outbox = new MemoryOutboxStore();
  const session = await openSession(alice!, keys, secret, outbox);
  const bobDoc = await memberDoc(bob!);
  await say(bobDoc, 'from Bob');
  Y.applyUpdate(session.doc, Y.encodeStateAsUpdate(bobDoc.doc));
  return { alice: alice!, keys, secret, outbox, session };
}

const entryWith = (session: ConversationSession, text: string) => session.timeline.entries.find((e) => e.kind === 'message' && e.text === text);
const kinds = (session: ConversationSession) => session.synced.log.readAll().map((e) => e.kind);

describe('message changes', () => {
  it('edits, reacts to and deletes a message through signed events', async () => {
    const { session } = await scene();
    const id = await session.send('typo heer');
    await session.edit(id, 'typo here');
    expect(session.timeline.get(id)).toMatchObject({ text: 'typo here', edited: true });

    const bobs = entryWith(session, 'from Bob')!.id;
    await session.toggleReaction(bobs, '👍');
    expect([...(session.timeline.get(bobs)!.reactions.get('👍') ?? [])]).toEqual([session.me]);
    await session.toggleReaction(bobs, '👍');
    expect(session.timeline.get(bobs)!.reactions.get('👍')?.size ?? 0).toBe(0);

    await session.remove(id);
    expect(session.timeline.get(id)).toMatchObject({ text: '', deleted: true });
    await expect(session.edit(id, 'too late')).rejects.toMatchObject({ code: 'message-gone' });
  });

  it('refuses to edit or delete someone else’s message, and an empty edit', async () => {
    const { session } = await scene();
    const bobs = entryWith(session, 'from Bob')!.id;
    await expect(session.edit(bobs, 'words in his mouth')).rejects.toMatchObject({ code: 'not-author' });
    await expect(session.remove(bobs)).rejects.toMatchObject({ code: 'not-author' });
    const mine = await session.send('mine');
    await expect(session.edit(mine, '   ')).rejects.toMatchObject({ code: 'empty-edit' });
    await expect(session.toggleReaction('nobody.nothing' as EventId, '👍')).rejects.toMatchObject({ code: 'message-gone' });
    expect(entryWith(session, 'from Bob')).toMatchObject({ edited: false, deleted: false });
  });

  it('does not write an unacknowledged edit twice when the app restarts', async () => {
    const { alice, keys, secret, outbox, session } = await scene();
    const id = await session.send('first try');
    await session.edit(id, 'second try');
    // Nobody acknowledged: the join, the message and the edit stay in the outbox. The app
    // restarts on the stored doc.
    expect((await outbox.list(keys.topic)).map((e) => e.event.kind)).toEqual(['join', 'message', 'edit']);
    const stored = Y.encodeStateAsUpdate(session.doc);
    await session.destroy();
    const again = await openSession(alice, keys, secret, outbox, stored);
    expect(kinds(again).filter((k) => k === 'edit')).toHaveLength(1);
    expect(kinds(again).filter((k) => k === 'message')).toHaveLength(2);
    expect(again.timeline.get(id)).toMatchObject({ text: 'second try', edited: true });
  });
});
