/**
 * Members against members (docs/architecture.md §8): a legitimate member, Mallory, with her
 * own valid keys, attacks the documents of the others. Everything she signs is really
 * signed by her; what she controls beyond that is the Yjs encoding — client ids, clocks,
 * origins — what she signs, and the order in which others receive things.
 *
 * Real parts: real accounts (WebCrypto Ed25519), real signed documents, writers and
 * authorizers, exactly as pages and the service worker use them; updates travel as the
 * bytes a peer or the mailbox would deliver.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { SyncedDoc } from '../../../src/client/synced-doc.js';
import { DEFAULT_LIMITS } from '../../../src/core/authorship/limits.js';
import { shardName } from '../../../src/core/conversation.js';
import { createEvent, type UnsignedEvent } from '../../../src/core/events.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { eventHash, signEvent, signRecord, type Placement } from '../../../src/core/identity/signed.js';
import { craftUpdate } from '../../helpers/fuzz-updates.js';
import { copyState, memberDoc, openSchema, say, testAccount, texts, tick } from '../../helpers/signed-docs.js';

type Doc = SyncedDoc;

async function scene() {
  const [alice, bob, mallory] = await Promise.all(['Alice', 'Bob', 'Mallory'].map(testAccount));
  const a = await memberDoc(alice!);
  const b = await memberDoc(bob!);
  const m = await memberDoc(mallory!);
  await say(a, 'hello from Alice', 'Alice again');
  await say(m, 'hello from Mallory');
  for (const x of [a, b, m]) for (const y of [a, b, m]) if (x !== y) copyState(x, y);
  return { a, b, m };
}

/** A brand-new member who has seen nothing yet. */
async function lateJoiner(name = 'Carol'): Promise<Doc> {
  return memberDoc(await testAccount(name));
}

/** What RoomSync and the mailbox courier do with an update: authorize, then apply. */
async function receive(d: Doc, update: Uint8Array): Promise<{ ok: boolean; detail?: string }> {
  const verdict = await d.authorizer.authorize(update);
  if (verdict.ok && !verdict.empty) Y.applyUpdate(d.doc, update, 'peer');
  return verdict.ok ? { ok: true } : { ok: false, detail: verdict.detail };
}

/** Mallory's own nonce (the field binds client ids to keys; older code ignores it). */
const nonceOf = (d: Doc): string => (d.log.lastEvent(d.account.device.id) as { n?: string } | null)?.n ?? 'AAAAAAAAAAA';

/** Only the structs `d`'s own client wrote (an update as Mallory alone would send it). */
function ownStructs(d: Doc): Uint8Array {
  const others = new Map(Y.decodeStateVector(Y.encodeStateVector(d.doc)));
  others.delete(d.doc.clientID);
  // Yjs encodes a Map as a state vector too; its typings only admit a Doc.
  return Y.encodeStateAsUpdate(d.doc, Y.encodeStateVector(others as unknown as Y.Doc));
}

const tipOf = (d: Doc): string => {
  const last = d.log.lastEvent(d.account.device.id);
  return last ? eventHash(last) : '';
};

/** Counts Ed25519 verifications. */
class CountingKeys extends VerifyKeyCache {
  count = 0;
  override verify(publicKey: string, signature: unknown, bytes: Uint8Array): Promise<boolean> {
    this.count++;
    return super.verify(publicKey, signature, bytes);
  }
}

describe('client-id squatting', () => {
  it("records Mallory signs under Alice's client id, delivered first, hide nothing of Alice's from a late joiner", async () => {
    // Mallory writes her own valid read records at Alice's client id and first clocks, and
    // makes sure Carol sees them before Alice's real structs (by emptying and refilling the
    // mailbox, say). Yjs keeps the first struct it sees at a clock.
    const { a, b, m } = await scene();
    const aliceClient = a.doc.clientID;
    const me = m.account.device.id;
    const forged = [];
    for (let k = 0; k < 3; k++) {
      const place = { c: aliceClient, k, n: nonceOf(m) } as Placement;
      forged.push(await signRecord({ type: 'read', by: me, at: tick(), n: nonceOf(m) }, place, m.account.device.signPrivate));
    }
    const squat = Y.mergeUpdates([
      ownStructs(m),
      craftUpdate([{ client: aliceClient, clock: 0, structs: [{ kind: 'item', parent: 'reads', parentSub: me, values: forged }] }]),
    ]);

    const carol = await lateJoiner();
    await receive(carol, squat);
    const honest = await receive(carol, Y.encodeStateAsUpdate(b.doc));

    expect({
      honestRelayAccepted: honest.ok,
      aliceMessages: texts(carol).filter((t) => t.includes('Alice')),
      aliceIsMember: carol.directory.member(a.account.device.id) !== null,
    }).toEqual({ honestRelayAccepted: true, aliceMessages: ['hello from Alice', 'Alice again'], aliceIsMember: true });
  });

  it("an event Mallory signs under Alice's client id is refused by a member who has not seen Alice yet", async () => {
    const { a, m } = await scene();
    const c = a.doc.clientID;
    const me = m.account.device.id;
    const event = await signEvent(createEvent({ kind: 'message', text: 'squatting' }, me, tick()), { c, k: 0, n: nonceOf(m) } as Placement, tipOf(m), m.account.device.signPrivate);
    const update = Y.mergeUpdates([ownStructs(m), craftUpdate([{ client: c, clock: 0, structs: [{ kind: 'item', parent: shardName(me, 1), values: [event] }] }])]);
    const carol = await lateJoiner();
    expect(await receive(carol, update)).toMatchObject({ ok: false });
  });

  it('two tabs of one device write under different client ids', async () => {
    const alice = await testAccount('Alice');
    const keys = new VerifyKeyCache();
    const tab1 = new SyncedDoc({ account: alice, schema: openSchema(), keys, now: tick });
    const tab2 = new SyncedDoc({ account: alice, schema: openSchema(), keys, now: tick });
    expect(tab1.doc.clientID).not.toBe(tab2.doc.clientID);
    await tab1.ensureMember('Alice', undefined);
    copyState(tab1, tab2);
    await say(tab2, 'from tab 2');
    const carol = await lateJoiner();
    expect(await receive(carol, Y.encodeStateAsUpdate(tab2.doc))).toEqual({ ok: true });
  });
});

describe('size caps', () => {
  it('an extra field cannot carry a megabyte past the text limit', async () => {
    const { b, m } = await scene();
    const me = m.account.device.id;
    const place = m.writer.placement();
    const padded = { ...createEvent({ kind: 'message', text: 'small' }, me, tick()), pad: 'x'.repeat(1_000_000) } as unknown as UnsignedEvent;
    const event = await signEvent(padded, place, tipOf(m), m.account.device.signPrivate);
    const update = craftUpdate([{ client: place.c, clock: place.k, structs: [{ kind: 'item', origin: { client: place.c, clock: place.k - 1 }, values: [event] }] }]);
    const before = Y.encodeStateAsUpdate(b.doc).length;
    expect(await receive(b, update)).toMatchObject({ ok: false });
    expect(Y.encodeStateAsUpdate(b.doc).length).toBe(before);
  });

  it("a device's writes past its storage budget in one conversation are refused by everyone, and by its own writer with a clear error", async () => {
    const [alice, mallory] = await Promise.all(['Alice', 'Mallory'].map(testAccount));
    const limits = { ...DEFAULT_LIMITS, deviceBudgetChars: 60_000 };
    const keys = new VerifyKeyCache();
    const a = new SyncedDoc({ account: alice!, schema: openSchema(), keys, now: tick, limits });
    await a.ensureMember('Alice', undefined);
    // Mallory's own client has no budget (as a hostile client would not): she writes 20
    // messages of 5,000 characters, 100,000 characters in all.
    const m = new SyncedDoc({ account: mallory!, schema: openSchema(), keys, now: tick });
    await m.ensureMember('Mallory', undefined);
    copyState(a, m);
    await say(m, ...Array.from({ length: 20 }, (_, i) => `${i} ${'z'.repeat(5_000)}`));
    expect(await receive(a, Y.encodeStateAsUpdate(m.doc, Y.encodeStateVector(a.doc)))).toMatchObject({ ok: false });

    // An honest device with the same budget is stopped before it writes, with words a person reads.
    const own = new SyncedDoc({ account: mallory!, schema: openSchema(), keys, now: tick, limits });
    await own.ensureMember('Mallory', undefined);
    await say(own, ...Array.from({ length: 10 }, (_, i) => `${i} ${'z'.repeat(5_000)}`));
    await expect(say(own, ...Array.from({ length: 2 }, (_, i) => `${i} ${'z'.repeat(5_000)}`))).rejects.toThrow(/conversation is full/);
  });
});

describe('decode bombs', () => {
  it('an update of 300,000 tiny structs is refused for its size before it is decoded', async () => {
    const { b, m } = await scene();
    const c = m.doc.clientID;
    const k = Y.getState(m.doc.store, c);
    const structs = Array.from({ length: 300_000 }, (_, i) => ({ kind: 'item' as const, origin: { client: c, clock: k + i - 1 }, values: [0] }));
    const bomb = craftUpdate([{ client: c, clock: k, structs }]);
    expect(await b.authorizer.authorize(bomb)).toMatchObject({ ok: false, detail: expect.stringMatching(/structs/) });
  });

  it('a value nested past the depth limit is refused before lib0 recurses into it', async () => {
    const { b, m } = await scene();
    const c = m.doc.clientID;
    const k = Y.getState(m.doc.store, c);
    let deep: unknown = 0;
    for (let i = 0; i < 2_000; i++) deep = [deep];
    const bomb = craftUpdate([{ client: c, clock: k, structs: [{ kind: 'item', origin: { client: c, clock: k - 1 }, values: [deep] }] }]);
    expect(await b.authorizer.authorize(bomb)).toMatchObject({ ok: false, detail: expect.stringMatching(/nests/) });
  });
});

describe('signature-verification floods', () => {
  it('20,000 unsigned chain tips cost the receiver a handful of verifications, not 20,000', async () => {
    const { a, m } = await scene();
    const keys = new CountingKeys();
    const receiver = await memberDoc(await testAccount('Carol'), openSchema(), keys);
    copyState(a, receiver);
    keys.count = 0;
    const place = m.writer.placement();
    const me = m.account.device.id;
    const values = Array.from({ length: 20_000 }, (_, i) => ({
      ...createEvent({ kind: 'message', text: `tip ${i}` }, me, tick()),
      c: place.c,
      k: place.k + i,
      n: place.n,
      prev: '',
      sig: 'A'.repeat(86),
    }));
    const flood = craftUpdate([{ client: place.c, clock: place.k, structs: [{ kind: 'item', origin: { client: place.c, clock: place.k - 1 }, values }] }]);
    expect(await receiver.authorizer.authorize(flood)).toMatchObject({ ok: false });
    expect(keys.count).toBeLessThan(200);
  });
});

describe('honest members still get through', () => {
  it('a late joiner accepts a full honest history from a relay', async () => {
    const { a, b } = await scene();
    await say(a, ...Array.from({ length: 50 }, (_, i) => `more ${i}`));
    copyState(a, b);
    const carol = await lateJoiner();
    expect(await receive(carol, Y.encodeStateAsUpdate(b.doc))).toEqual({ ok: true });
    expect(texts(carol)).toHaveLength(53);
  });
});

