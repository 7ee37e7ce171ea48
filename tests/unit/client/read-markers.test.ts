/**
 * Read markers (docs/architecture.md §3.1: the self doc carries read markers): unread counts come from the
 * marker in the self doc, the conversation on screen counts as read, and a marker never
 * moves back. Real signed docs and sessions; only storage is in memory.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { ConversationSession } from '../../../src/client/conversation-session.js';
import { ReadMarkers } from '../../../src/client/read-markers.js';
import { SelfSession } from '../../../src/client/self-session.js';
import { LOCAL_ORIGIN } from '../../../src/client/synced-doc.js';
import { createEvent } from '../../../src/core/events.js';
import { randomBytes, toBase64Url } from '../../../src/core/bytes.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { deriveConversationKeys, SECRET_BYTES } from '../../../src/core/keys.js';
import { MemoryOutboxStore } from '../../../src/store/memory.js';
import { memberDoc, say, testAccount, tick } from '../../helpers/signed-docs.js';

async function scene() {
  const [alice, bob] = await Promise.all([testAccount('Alice'), testAccount('Bob')]);
  const secret = randomBytes(SECRET_BYTES);
  const keys = await deriveConversationKeys(secret);
  const verifyKeys = new VerifyKeyCache();
  const session = new ConversationSession({
    record: { id: keys.topic, secret: toBase64Url(secret), title: 'Team', createdAt: tick() },
    keys,
    account: alice!,
    outbox: new MemoryOutboxStore(),
    verifyKeys,
    appUrl: 'http://localhost/',
    now: tick,
    isBlocked: () => false,
    blockDecision: () => null,
  });
  const self = new SelfSession(await deriveConversationKeys(randomBytes(SECRET_BYTES)), alice!, verifyKeys, tick);
  await self.synced.ensureMember(alice!.name, undefined);
  const bobDoc = await memberDoc(bob!);
  /** Bob's new messages reach Alice's session (a trusted copy; authorization is tested elsewhere). */
  const bobSays = async (...texts: string[]) => {
    await say(bobDoc, ...texts);
    Y.applyUpdate(session.doc, Y.encodeStateAsUpdate(bobDoc.doc, Y.encodeStateVector(session.doc)));
  };
  const errors: Error[] = [];
  const reads = new ReadMarkers({ self: () => self, session: (t) => (t === session.id ? session : undefined), onError: (e) => errors.push(e), writeEveryMs: 20 });
  return { session, self, bobSays, bobDoc, alice: alice!, reads, errors };
}

describe('read markers', () => {
  it('counts messages from others after the marker, and none of them once the conversation is on screen', async () => {
    const { session, self, bobSays, reads, errors } = await scene();
    await bobSays('one', 'two', 'three');
    expect(reads.unread(session.id)).toBe(3);

    expect(reads.view(session.id)).toBe(true);
    expect(reads.view(session.id)).toBe(false);
    expect(reads.unread(session.id)).toBe(0);
    await expect.poll(() => self.readUpTo(session.id)).toBe(session.timeline.latestAt);

    // Left: what arrives afterwards is unread; what was on screen stays read.
    reads.view(null);
    await bobSays('four');
    reads.shown(session.id);
    expect(reads.unread(session.id)).toBe(1);
    expect(errors).toEqual([]);
  });

  it('marks what arrives while on screen as read after a short wait, and when leaving', async () => {
    const { session, self, bobSays, reads } = await scene();
    reads.view(session.id);
    await bobSays('while watching');
    reads.shown(session.id);
    await expect.poll(() => self.readUpTo(session.id)).toBe(session.timeline.latestAt);
    await bobSays('just before leaving');
    reads.view(null);
    await expect.poll(() => self.readUpTo(session.id)).toBe(session.timeline.latestAt);
    expect(reads.unread(session.id)).toBe(0);
  });

  it('never moves a marker back, and counts at most the cap', async () => {
    const { session, self, bobSays } = await scene();
    await bobSays(...Array.from({ length: 150 }, (_, i) => `m${i}`));
    expect(session.unreadSince(0)).toBe(100);
    expect(session.unreadSince(0, 1000)).toBe(150);
    const latest = session.timeline.latestAt;
    expect(await self.markRead(session.id, latest)).toBe(true);
    expect(await self.markRead(session.id, latest - 10)).toBe(false);
    expect(await self.markRead(session.id, Number.NaN)).toBe(false);
    expect(self.readUpTo(session.id)).toBe(latest);
    expect(session.unreadSince(self.readUpTo(session.id))).toBe(0);
  });

  it('does not count the user’s own messages or deleted ones', async () => {
    const { session, bobSays, bobDoc, alice } = await scene();
    // Alice wrote from this device in an earlier session (the same device key and log).
    const earlier = await memberDoc(alice);
    await say(earlier, 'mine');
    Y.applyUpdate(session.doc, Y.encodeStateAsUpdate(earlier.doc));
    await bobSays('regret');
    expect(session.timeline.entries.filter((e) => e.kind === 'message').map((e) => e.text)).toEqual(['mine', 'regret']);
    expect(session.unreadSince(0)).toBe(1);
    const target = session.timeline.entries.find((e) => e.text === 'regret')!.id;
    await bobDoc.writer.appendEvents([createEvent({ kind: 'delete', target }, bobDoc.account.device.id, tick())], LOCAL_ORIGIN);
    Y.applyUpdate(session.doc, Y.encodeStateAsUpdate(bobDoc.doc, Y.encodeStateVector(session.doc)));
    expect(session.unreadSince(0)).toBe(0);
  });
});
