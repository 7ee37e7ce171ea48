/**
 * A member's claims about time and about what she said (docs/architecture.md §3.3, §3.5):
 * timestamps are the author's choice, and one event id can be signed with two contents and
 * sent to different people. Real signed documents, sessions, the self doc and read
 * markers; updates are authorized exactly as from a peer.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { ReadMarkers } from '../../../src/client/read-markers.js';
import { SelfSession } from '../../../src/client/self-session.js';
import { LOCAL_ORIGIN, SyncedDoc } from '../../../src/client/synced-doc.js';
import { randomBytes } from '../../../src/core/bytes.js';
import { createEvent, type UnsignedEvent } from '../../../src/core/events.js';
import type { EventId } from '../../../src/core/ids.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { deriveConversationKeys, SECRET_BYTES } from '../../../src/core/keys.js';
import { Timeline } from '../../../src/core/timeline.js';
import { openSession } from '../../helpers/session.js';
import { copyState, memberDoc, openSchema, testAccount } from '../../helpers/signed-docs.js';

const HOUR = 3_600_000;

async function scene() {
  const [alice, mallory] = await Promise.all([testAccount('Alice'), testAccount('Mallory')]);
  const verifyKeys = new VerifyKeyCache();
  const session = await openSession(alice!, { verifyKeys });
  const self = new SelfSession(await deriveConversationKeys(randomBytes(SECRET_BYTES)), alice!, verifyKeys, Date.now);
  await self.synced.ensureMember('Alice', undefined);
  const m = await memberDoc(mallory!);
  copyState(session.synced, m);
  /** Mallory writes (signed, with the time she chooses); Alice receives it as from a peer. */
  const mallorySays = async (text: string, at = Date.now()) => {
    const before = Y.encodeStateVector(session.doc);
    await m.writer.appendEvents([{ ...createEvent({ kind: 'message', text }, m.account.device.id, Date.now()), at } as UnsignedEvent], LOCAL_ORIGIN);
    const update = Y.encodeStateAsUpdate(m.doc, before);
    const verdict = await session.synced.authorizer.authorize(update);
    if (verdict.ok) Y.applyUpdate(session.doc, update, 'peer');
    return verdict.ok;
  };
  const reads = new ReadMarkers({ self: () => self, session: (t) => (t === session.id ? session : undefined), onError: () => undefined, writeEveryMs: 20 });
  return { session, self, mallorySays, reads };
}

describe('timestamps', () => {
  it('one message dated 2099 does not freeze unread counts, previews or read markers', async () => {
    const { session, self, mallorySays, reads } = await scene();
    await mallorySays('before');
    await mallorySays('from 2099', Date.UTC(2099, 0, 1));
    // Alice reads the conversation, then leaves it.
    reads.view(session.id);
    await expect.poll(() => self.readUpTo(session.id)).toBeGreaterThan(0);
    reads.view(null);
    await mallorySays('after the read');

    const future = session.timeline.entries.find((e) => e.text === 'from 2099')!;
    expect({
      readUpTo: self.readUpTo(session.id) < Date.UTC(2099, 0, 1),
      unread: reads.unread(session.id),
      preview: session.timeline.last()?.text,
      flag: future.flag,
    }).toEqual({ readUpTo: true, unread: 1, preview: 'after the read', flag: 'future' });
  });

  it('a back-dated message is flagged and sorts after its author’s earlier message, not into the past', async () => {
    const { session, mallorySays } = await scene();
    await mallorySays('an hour ago', Date.now() - HOUR);
    await mallorySays('really, yesterday', Date.now() - 24 * HOUR);
    const order = session.timeline.entries.filter((e) => e.kind === 'message').map((e) => [e.text, e.flag]);
    expect(order).toEqual([
      ['an hour ago', null],
      ['really, yesterday', 'backdated'],
    ]);
  });
});

describe('equivocation', () => {
  it('one event id with two signed texts, sent to Alice and Bob in opposite orders, is shown the same, disputed, everywhere and after a reload', async () => {
    const [alice, bob, mallory] = await Promise.all(['Alice', 'Bob', 'Mallory'].map(testAccount));
    const keys = new VerifyKeyCache();
    const a = await memberDoc(alice!, openSchema(), keys);
    const b = await memberDoc(bob!, openSchema(), keys);
    // Two tabs of Mallory's device: two client ids, one event id, two texts.
    const tab1 = await memberDoc(mallory!, openSchema(), keys);
    const tab2 = new SyncedDoc({ account: mallory!, schema: openSchema(), keys, now: Date.now });
    for (const x of [a, b, tab1, tab2]) for (const y of [a, b, tab1, tab2]) if (x !== y) copyState(x, y);
    const base = createEvent({ kind: 'message', text: 'pay Mallory 10' }, mallory!.device.id, Date.now());
    const id = base.id as EventId;
    const sv = Y.encodeStateVector(a.doc);
    await tab1.writer.appendEvents([base], LOCAL_ORIGIN);
    await tab2.writer.appendEvents([{ ...base, text: 'pay Mallory 1000' } as UnsignedEvent], LOCAL_ORIGIN);
    const v1 = Y.encodeStateAsUpdate(tab1.doc, sv);
    const v2 = Y.encodeStateAsUpdate(tab2.doc, sv);

    const timelines = new Map<SyncedDoc, Timeline>();
    for (const d of [a, b]) {
      const t = new Timeline();
      t.add(d.log.readAll());
      d.log.observe((events) => t.add(events));
      timelines.set(d, t);
    }
    const deliver = async (d: SyncedDoc, update: Uint8Array) => {
      const verdict = await d.authorizer.authorize(update);
      if (verdict.ok && !verdict.empty) Y.applyUpdate(d.doc, update, 'peer');
      return verdict.ok;
    };
    // Alice sees v1 first, Bob v2 first; then each gets the other.
    const verdicts = [await deliver(a, v1), await deliver(b, v2), await deliver(a, v2), await deliver(b, v1)];
    expect(verdicts).toEqual([true, true, true, true]);
    const shown = (t: Timeline) => {
      const e = t.get(id)!;
      return { text: e.text, disputed: [...(e.disputed ?? [])].sort() };
    };
    const reloaded = new Timeline();
    reloaded.add(a.log.readAll());
    const expected = { text: expect.any(String), disputed: ['pay Mallory 10', 'pay Mallory 1000'] };
    expect(shown(timelines.get(a)!)).toEqual(expected);
    expect(shown(timelines.get(b)!)).toEqual(shown(timelines.get(a)!));
    expect(shown(reloaded)).toEqual(shown(timelines.get(a)!));
  });
});
