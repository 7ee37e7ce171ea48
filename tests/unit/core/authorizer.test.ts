/**
 * Authorization of peer updates (docs/architecture.md §5.6, §8.1): every case a malicious member might try is
 * refused before it touches the document, and honest history is accepted.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { LOCAL_ORIGIN, type SyncedDoc } from '../../../src/client/synced-doc.js';
import { conversationSchema } from '../../../src/core/authorship/schema.js';
import { shardName } from '../../../src/core/conversation.js';
import { createEvent } from '../../../src/core/events.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { eventHash, signEvent } from '../../../src/core/identity/signed.js';
import { craftUpdate } from '../../helpers/fuzz-updates.js';
import { copyState, memberDoc, say, testAccount, texts, tick } from '../../helpers/signed-docs.js';

/** Captures the update a mutation of `doc` produces. */
function capture(doc: Y.Doc, mutate: () => void): Uint8Array {
  let update: Uint8Array | null = null;
  const handler = (u: Uint8Array) => (update = u);
  doc.on('update', handler);
  mutate();
  doc.off('update', handler);
  if (!update) throw new Error('mutation produced no update');
  return update;
}

/** `bytes` with the one occurrence of `from` as an encoded string (length-prefixed) replaced by `to`, of the same length. */
function replaceOnce(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const needle = Uint8Array.of(from.length, ...new TextEncoder().encode(from));
  const at: number[] = [];
  for (let i = 0; i + needle.length <= bytes.length; i++) if (needle.every((b, j) => bytes[i + j] === b)) at.push(i);
  if (at.length !== 1) throw new Error(`"${from}" occurs ${at.length} times`);
  const out = bytes.slice();
  out.set(new TextEncoder().encode(to), at[0]! + 1);
  return out;
}

async function scene() {
  const [alice, bob, mallory] = await Promise.all(['Alice', 'Bob', 'Mallory'].map(testAccount));
  const a = await memberDoc(alice!);
  const b = await memberDoc(bob!);
  const m = await memberDoc(mallory!);
  await say(a, 'hello from Alice');
  // Everyone starts from the same honest history.
  for (const x of [a, b, m]) for (const y of [a, b, m]) if (x !== y) copyState(x, y);
  return { a, b, m };
}

/** `by` revokes `device` in the name of its own identity; returns the update `to` lacks. */
async function revocation(by: SyncedDoc, to: SyncedDoc, device: string): Promise<Uint8Array> {
  await by.writer.setRecord(
    'revoked',
    device,
    { type: 'revocation', by: by.account.device.id, at: tick(), device, identity: by.account.identity.sign, clients: {} },
    LOCAL_ORIGIN,
    by.account.identityKeys!.signPrivate,
  );
  return Y.encodeStateAsUpdate(by.doc, Y.encodeStateVector(to.doc));
}

describe('update authorization', () => {
  it('accepts a member whole signed history and a live message', async () => {
    const { a } = await scene();
    const c = await memberDoc(await testAccount('Carol'));
    const history = Y.encodeStateAsUpdate(a.doc);
    expect(await c.authorizer.authorize(history)).toMatchObject({ ok: true, empty: false, fresh: true });
    Y.applyUpdate(c.doc, history);
    // Checked again once held: nothing it adds, and its bytes are no longer what applying adds.
    expect(await c.authorizer.authorize(history)).toMatchObject({ ok: true, fresh: false });
    let live: Uint8Array | null = null;
    a.doc.on('update', (u: Uint8Array) => (live = u));
    await say(a, 'a live one');
    expect(await c.authorizer.authorize(live!)).toMatchObject({ ok: true, empty: false });
    Y.applyUpdate(c.doc, live!);
    expect(texts(c)).toContain('a live one');
  });

  it('refuses a forged message claiming another author', async () => {
    const { a, b, m } = await scene();
    const aliceDevice = a.account.device.id;
    const forged = await signEvent(createEvent({ kind: 'message', text: 'I am Alice, honest' }, aliceDevice, tick()), m.writer.placement(), '', m.account.device.signPrivate);
    const update = capture(m.doc, () => {
      const shard = m.doc.getArray(shardName(aliceDevice, 0));
      shard.insert(shard.length, [forged]);
    });
    const verdict = await b.authorizer.authorize(update);
    expect(verdict).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  it('refuses a tampered signature', async () => {
    const { b, m } = await scene();
    const event = await signEvent(createEvent({ kind: 'message', text: 'original' }, m.account.device.id, tick()), m.writer.placement(), m.log.lastEvent(m.account.device.id) ? 'x'.repeat(43) : '', m.account.device.signPrivate);
    const tampered = { ...event, text: 'changed after signing' };
    const update = capture(m.doc, () => m.doc.getArray(shardName(m.account.device.id, 0)).insert(0, [tampered]));
    expect(await b.authorizer.authorize(update)).toMatchObject({ ok: false, reason: 'forbidden', detail: expect.stringMatching(/signature/) });
  });

  it("refuses deleting another member's message", async () => {
    const { a, b, m } = await scene();
    const update = capture(m.doc, () => m.doc.getArray(shardName(a.account.device.id, 0)).delete(0, 1));
    expect(await b.authorizer.authorize(update)).toMatchObject({ ok: false, reason: 'forbidden', detail: expect.stringMatching(/log/) });
    expect(texts(b)).toEqual(['hello from Alice']);
  });

  it("refuses an update that claims another author's client id", async () => {
    const { a, b, m } = await scene();
    const c = a.doc.clientID;
    const k = Y.getState(a.doc.store, c);
    const me = m.account.device.id;
    const last = m.log.lastEvent(me);
    const event = await signEvent(createEvent({ kind: 'message', text: 'written under Alice client id' }, me, tick()), { c, k, n: m.writer.placement().n }, last ? eventHash(last) : '', m.account.device.signPrivate);
    const update = craftUpdate([{ client: c, clock: k, structs: [{ kind: 'item', parent: shardName(me, 0), values: [event] }] }]);
    const verdict = await b.authorizer.authorize(update);
    expect(verdict).toMatchObject({ ok: false, reason: 'forbidden', detail: expect.stringMatching(/client id/) });
  });

  it("refuses a record written under another device's key", async () => {
    const { a, b, m } = await scene();
    let update: Uint8Array | null = null;
    m.doc.on('update', (u: Uint8Array) => (update = u));
    await m.writer.setRecord('reads', a.account.device.id, { type: 'read', by: m.account.device.id, at: tick() }, LOCAL_ORIGIN);
    expect(await b.authorizer.authorize(update!)).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  it('refuses a member record for an identity a 1:1 conversation does not admit', async () => {
    const [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map(testAccount));
    const pair = new Set([alice!.identity.sign, bob!.identity.sign]);
    const schema = conversationSchema((id) => pair.has(id));
    const b = await memberDoc(bob!, schema);
    const c = await memberDoc(carol!, conversationSchema(() => true));
    const verdict = await b.authorizer.authorize(Y.encodeStateAsUpdate(c.doc));
    expect(verdict).toMatchObject({ ok: false, reason: 'forbidden', detail: expect.stringMatching(/not admitted/) });
  });

  it('refuses types outside the schema and undecodable bytes', async () => {
    const { b, m } = await scene();
    const text = capture(m.doc, () => m.doc.getText('notes').insert(0, 'x'));
    expect(await b.authorizer.authorize(text)).toMatchObject({ ok: false });
    expect(await b.authorizer.authorize(Uint8Array.of(1, 1, 200, 200, 200, 200, 200))).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('verifies a long chain with one signature per chain tip', async () => {
    const { a } = await scene();
    const me = a.account.device.id;
    await a.writer.appendEvents(Array.from({ length: 2000 }, (_, i) => createEvent({ kind: 'message', text: `m${i}` }, me, tick())), null);
    const keys = new VerifyKeyCache();
    let verifications = 0;
    const original = keys.verify.bind(keys);
    keys.verify = async (...args) => {
      verifications++;
      return original(...args);
    };
    const c = await memberDoc(await testAccount('Carol'), conversationSchema(() => true), keys);
    verifications = 0;
    expect(await c.authorizer.authorize(Y.encodeStateAsUpdate(a.doc))).toMatchObject({ ok: true, empty: false });
    // Three member records (certificate + signature each) plus one chain tip — not 2,001.
    expect(verifications).toBe(7);
  });

  it('refuses one altered event deep inside a long history, in either batch of hashes', async () => {
    // The chain's hashes are computed in batches (core/identity/signed.ts `eventHashes`):
    // an event altered in the first batch or in the second still breaks the chain there,
    // so its own signature is checked and fails.
    const { a } = await scene();
    const me = a.account.device.id;
    await a.writer.appendEvents(Array.from({ length: 3000 }, (_, i) => createEvent({ kind: 'message', text: `m${i}` }, me, tick())), null);
    const history = Y.encodeStateAsUpdate(a.doc);
    const c = await memberDoc(await testAccount('Carol'), conversationSchema(() => true));
    expect(await c.authorizer.authorize(history)).toMatchObject({ ok: true, empty: false });
    for (const index of [100, 2500]) {
      // Same length, so the update stays well-formed: only the text differs from what was signed.
      const tampered = replaceOnce(history, `m${index}`, `x${index}`);
      expect(await c.authorizer.authorize(tampered)).toMatchObject({ ok: false, reason: 'forbidden', detail: expect.stringMatching(/bad signature on event/) });
    }
    expect(texts(c)).toEqual([]);
  });

  it('rejects writes from a revoked device but keeps its history', async () => {
    const { a, b } = await scene();
    // Alice's identity revokes her own device (as "Remove device" would from another device).
    const aliceKeys = a.account.identityKeys!;
    const clients = { [String(a.doc.clientID)]: Y.getState(a.doc.store, a.doc.clientID) };
    let revocation: Uint8Array | null = null;
    b.doc.on('update', () => undefined);
    const record = await a.writer.setRecord(
      'revoked',
      a.account.device.id,
      { type: 'revocation', by: a.account.device.id, at: tick(), device: a.account.device.id, identity: a.account.identity.sign, clients },
      LOCAL_ORIGIN,
      aliceKeys.signPrivate,
    );
    expect(record.type).toBe('revocation');
    revocation = Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc));
    expect(await b.authorizer.authorize(revocation)).toMatchObject({ ok: true, empty: false });
    Y.applyUpdate(b.doc, revocation);
    let late: Uint8Array | null = null;
    a.doc.on('update', (u: Uint8Array) => (late = u));
    await say(a, 'after revocation');
    expect(await b.authorizer.authorize(late!)).toMatchObject({ ok: false, detail: expect.stringMatching(/revoked/) });
    expect(texts(b)).toEqual(['hello from Alice']);
  });
  it('accepts a revocation of a device that never wrote here; it counts only against a device of the revoking identity', async () => {
    const { a, b } = await scene();
    const revoke = (device: string): Promise<Uint8Array> => revocation(a, b, device);
    // Alice carries the revocation of one of her devices into a conversation it never joined.
    const laptop = await testAccount('Alice');
    const carried = await revoke(laptop.device.id);
    expect(await b.authorizer.authorize(carried)).toMatchObject({ ok: true, empty: false });
    Y.applyUpdate(b.doc, carried);
    expect(b.directory.revocation(laptop.device.id)?.identity).toBe(a.account.identity.sign);

    // Alice's identity naming a device of someone else: harmless once that device's
    // certificate shows another identity, and refused outright when it already has.
    const dave = await memberDoc(await testAccount('Dave'));
    const misnamed = await revoke(dave.account.device.id);
    expect(await b.authorizer.authorize(misnamed)).toMatchObject({ ok: true, empty: false });
    Y.applyUpdate(b.doc, misnamed);
    copyState(dave, b);
    expect(b.directory.member(dave.account.device.id)).not.toBeNull();
    expect(b.directory.revocation(dave.account.device.id)).toBeNull();
    const ofBob = await revoke(b.account.device.id);
    expect(await b.authorizer.authorize(ofBob)).toMatchObject({ ok: false, detail: expect.stringMatching(/bad revocation/) });
  });

  it("keeps a device's revocation by its own identity when another member writes one of it under the same key", async () => {
    const { a, b, m } = await scene();
    const laptop = await testAccount('Alice');
    const revoke = async (by: typeof a, device: string): Promise<void> => {
      const update = await revocation(by, b, device);
      expect(await b.authorizer.authorize(update)).toMatchObject({ ok: true, empty: false });
      Y.applyUpdate(b.doc, update);
    };
    // Alice carries the revocation of her laptop, which never wrote here; Mallory then writes
    // her own "revocation" of it under the same key, which the authorizer must allow (the
    // laptop has no member record to say whose it is).
    await revoke(a, laptop.device.id);
    copyState(a, m);
    await revoke(m, laptop.device.id);
    expect(b.directory.revocation(laptop.device.id, a.account.identity.sign)?.identity).toBe(a.account.identity.sign);
    expect(b.directory.revocation(laptop.device.id, m.account.identity.sign)?.identity).toBe(m.account.identity.sign);
    // A device of someone else (Dave) that Mallory "revoked" is not revoked for Dave.
    expect(b.directory.revocation(laptop.device.id, (await testAccount('Dave')).identity.sign)).toBeNull();
  });
});
