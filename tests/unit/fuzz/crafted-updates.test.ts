/**
 * Hand-made hostile updates that a member can send (found while fuzzing the receive path).
 * Each test states the property the guard must keep, in behavioural terms where more than
 * one fix is possible, so a fix can choose between refusing the update and neutralising it.
 *
 * Every update here is written by Mallory, a legitimate member with her own valid keys:
 * what she signs is really signed by her. What she controls beyond that is the Yjs
 * encoding — origins, parents, client blocks, clocks, object keys — and what she signs.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { LOCAL_ORIGIN, SyncedDoc } from '../../../src/client/synced-doc.js';
import { shardName } from '../../../src/core/conversation.js';
import { createEvent, nextTimestamp, type UnsignedEvent } from '../../../src/core/events.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { eventHash, signEvent, signRecord } from '../../../src/core/identity/signed.js';
import { Timeline } from '../../../src/core/timeline.js';
import { craftUpdate, withProto } from '../../helpers/fuzz-updates.js';
import { boundClient, copyState, memberDoc, openSchema, say, testAccount, texts, tick } from '../../helpers/signed-docs.js';

async function scene() {
  const [alice, bob, mallory] = await Promise.all(['Alice', 'Bob', 'Mallory'].map(testAccount));
  const a = await memberDoc(alice!);
  const b = await memberDoc(bob!);
  const m = await memberDoc(mallory!);
  await say(a, 'hello from Alice');
  await say(m, 'hello from Mallory');
  for (const x of [a, b, m]) for (const y of [a, b, m]) if (x !== y) copyState(x, y);
  return { a, b, m };
}
type Doc = Awaited<ReturnType<typeof scene>>['a'];

/** Hash of the newest event of the doc's own device, for chaining a new one. */
const tipOf = (d: Doc): string => {
  const last = d.log.lastEvent(d.account.device.id);
  return last ? eventHash(last) : '';
};

/** What RoomSync does with a peer's update; returns the verdict and any apply error. */
async function receive(d: Doc, update: Uint8Array): Promise<{ ok: boolean; detail?: string; applyError: unknown }> {
  const verdict = await d.authorizer.authorize(update);
  let applyError: unknown = null;
  if (verdict.ok && !verdict.empty) {
    try {
      Y.applyUpdate(d.doc, update, 'peer');
    } catch (error) {
      applyError = error;
    }
  }
  return { ok: verdict.ok, ...(verdict.ok ? {} : { detail: verdict.detail }), applyError };
}

/** The update an honest peer relays after applying something: what its doc re-encodes. */
function relayOf(d: Doc, update: Uint8Array): Uint8Array | null {
  let relayed: Uint8Array | null = null;
  const handler = (u: Uint8Array): void => void (relayed = u);
  d.doc.on('update', handler);
  Y.applyUpdate(d.doc, update, 'peer');
  d.doc.off('update', handler);
  return relayed;
}

/** A brand-new honest member that syncs the whole state from `d`. */
async function lateJoinerVerdict(d: Doc) {
  const carol = await memberDoc(await testAccount('Carol'));
  return carol.authorizer.authorize(Y.encodeStateAsUpdate(d.doc));
}

describe('crafted hostile updates', () => {
  it('a value with a "__proto__" key does not pass as a field it does not own (honest peers would then refuse its relay)', async () => {
    // lib0 decodes {"__proto__": {...}} with obj[key] = value, which sets the prototype:
    // `text` reads as present, yet the signature (Object.keys) and every re-encoding omit it.
    const { a, b, m } = await scene();
    const c = m.doc.clientID;
    const k = Y.getState(m.doc.store, c);
    const draft = createEvent({ kind: 'message', text: 'x' }, m.account.device.id, tick()) as Record<string, unknown>;
    delete draft.text;
    const signed = await signEvent(draft as unknown as UnsignedEvent, { c, k, n: m.writer.placement().n }, tipOf(m), m.account.device.signPrivate);
    const update = craftUpdate([{ client: c, clock: k, structs: [{ kind: 'item', origin: { client: c, clock: k - 1 }, values: [withProto(signed as unknown as Record<string, unknown>, { text: 'only Alice sees this' })] }] }]);

    const verdict = await a.authorizer.authorize(update);
    if (verdict.ok) {
      // Accepted: then what Alice relays must still be acceptable to Bob and to a late joiner.
      const relayed = relayOf(a, update)!;
      expect(await b.authorizer.authorize(relayed)).toMatchObject({ ok: true });
      expect(await lateJoinerVerdict(a)).toMatchObject({ ok: true });
    }
    expect(verdict.ok).toBe(false);
  });

  it('an update cannot move a partly known struct into another parent (Yjs appends the new part after the client’s own last item)', async () => {
    // Mallory's last item is her read marker in `reads`. The update restates her clock k-1
    // and adds an event at k "in her log". Yjs integrates the unknown part with
    // left = (client, k-1), the read marker, so the event becomes the `reads` value.
    const { a, m } = await scene();
    const me = m.account.device.id;
    await m.writer.setRecord('reads', me, { type: 'read', by: me, at: tick() }, LOCAL_ORIGIN);
    copyState(m, a);
    const c = m.doc.clientID;
    const k = Y.getState(m.doc.store, c);
    const event = await signEvent(createEvent({ kind: 'message', text: 'reparented' }, me, tick()), { c, k, n: m.writer.placement().n }, tipOf(m), m.account.device.signPrivate);
    const update = craftUpdate([{ client: c, clock: k - 1, structs: [{ kind: 'item', parent: shardName(me, 0), values: ['restated', event] }] }]);

    const { ok } = await receive(a, update);
    expect(a.doc.getMap('reads').get(me)).toMatchObject({ type: 'read' });
    expect(await lateJoinerVerdict(a)).toMatchObject({ ok: true });
    expect(ok).toBe(false);
  });

  it('an update cannot delete a log entry by restating it under a map key', async () => {
    // The mirror case: Mallory's last item is her message. A "read marker" restating it
    // is linked after the message as the map's newest value, and Yjs deletes its left —
    // the message. Log entries are never deleted (docs/architecture.md §3.1).
    const { a, m } = await scene();
    const me = m.account.device.id;
    const c = m.doc.clientID;
    const k = Y.getState(m.doc.store, c);
    const record = await signRecord({ type: 'read', by: me, at: tick() }, { c, k, n: m.writer.placement().n }, m.account.device.signPrivate);
    const update = craftUpdate([{ client: c, clock: k - 1, structs: [{ kind: 'item', parent: 'reads', parentSub: me, values: ['restated', record] }] }]);

    const { ok } = await receive(a, update);
    expect(texts(a)).toContain('hello from Mallory');
    expect(await lateJoinerVerdict(a)).toMatchObject({ ok: true });
    expect(ok).toBe(false);
  });

  it('an origin or right origin at or after the struct itself is refused, not thrown at by Yjs', async () => {
    const { a, m } = await scene();
    const me = m.account.device.id;
    const { c: X, n: XN } = boundClient(m);
    const e0 = await signEvent(createEvent({ kind: 'message', text: 'f0' }, me, tick()), { c: X, k: 0, n: XN }, tipOf(m), m.account.device.signPrivate);
    const e1 = await signEvent(createEvent({ kind: 'message', text: 'f1' }, me, tick()), { c: X, k: 1, n: XN }, eventHash(e0), m.account.device.signPrivate);
    const forwardOrigin = craftUpdate([
      { client: X, clock: 0, structs: [{ kind: 'item', origin: { client: X, clock: 1 }, values: [e0] }, { kind: 'item', parent: shardName(me, 0), values: [e1] }] },
    ]);
    const selfRight = craftUpdate([{ client: X, clock: 0, structs: [{ kind: 'item', origin: { client: m.doc.clientID, clock: Y.getState(m.doc.store, m.doc.clientID) - 1 }, rightOrigin: { client: X, clock: 0 }, values: [e0] }] }]);
    for (const update of [forwardOrigin, selfRight]) {
      const { applyError } = await receive(a, update);
      expect(applyError).toBeNull();
      expect(a.doc.store.pendingStructs).toBeNull();
    }
  });

  it('structs of two clients that depend on each other in a cycle are refused, not parked as pending', async () => {
    const { a, m } = await scene();
    const me = m.account.device.id;
    const [bx, bz] = [boundClient(m), boundClient(m)];
    const [X, Z] = [bx.c, bz.c];
    const tip = tipOf(m);
    const sign = (text: string, c: number, k: number, prev: string) => signEvent(createEvent({ kind: 'message', text }, me, tick()), { c, k, n: c === X ? bx.n : bz.n }, prev, m.account.device.signPrivate);
    const x0 = await sign('x0', X, 0, tip);
    const x1 = await sign('x1', X, 1, eventHash(x0));
    const z0 = await sign('z0', Z, 0, tip);
    const z1 = await sign('z1', Z, 1, eventHash(z0));
    // x0 needs z1, z1 needs x1, x1 comes after x0.
    const update = craftUpdate([
      { client: X, clock: 0, structs: [{ kind: 'item', origin: { client: Z, clock: 1 }, values: [x0] }, { kind: 'item', parent: shardName(me, 0), values: [x1] }] },
      { client: Z, clock: 0, structs: [{ kind: 'item', parent: shardName(me, 0), values: [z0] }, { kind: 'item', origin: { client: X, clock: 1 }, values: [z1] }] },
    ]);
    const { applyError } = await receive(a, update);
    expect(applyError).toBeNull();
    expect(a.doc.store.pendingStructs).toBeNull();
  });

  it('a client that appears in two blocks of one update is refused (Yjs keeps only the last block)', async () => {
    const { a, m } = await scene();
    const me = m.account.device.id;
    const { c: X, n: XN } = boundClient(m);
    const e0 = await signEvent(createEvent({ kind: 'message', text: 'd0' }, me, tick()), { c: X, k: 0, n: XN }, tipOf(m), m.account.device.signPrivate);
    const e1 = await signEvent(createEvent({ kind: 'message', text: 'd1' }, me, tick()), { c: X, k: 1, n: XN }, eventHash(e0), m.account.device.signPrivate);
    const update = craftUpdate([
      { client: X, clock: 0, structs: [{ kind: 'item', parent: shardName(me, 0), values: [e0] }] },
      { client: X, clock: 1, structs: [{ kind: 'item', origin: { client: X, clock: 0 }, values: [e1] }] },
    ]);
    const { applyError } = await receive(a, update);
    expect(applyError).toBeNull();
    expect(a.doc.store.pendingStructs).toBeNull();
  });

  it("a revocation placed under another device's client id cannot squat that device's next clocks", async () => {
    // The revocation's `by` is not what signs it (the identity does), yet it decides which
    // device the Yjs client id is bound to. Mallory revokes her own device in records placed
    // at Alice's next clocks; Alice's next message then looks already known to Bob.
    const { a, b, m } = await scene();
    const me = m.account.device.id;
    const ac = a.doc.clientID;
    const ak = Y.getState(a.doc.store, ac);
    const values = [];
    for (let i = 0; i < 3; i++) {
      const body = { type: 'revocation', by: a.account.device.id, at: tick(), device: me, identity: m.account.identity.sign, clients: { [String(m.doc.clientID)]: 2 ** 40 } };
      values.push(await signRecord(body, { c: ac, k: ak + i, n: a.writer.placement().n }, m.account.identityKeys!.signPrivate));
    }
    await receive(b, craftUpdate([{ client: ac, clock: ak, structs: [{ kind: 'item', parent: 'revoked', parentSub: me, values }] }]));

    let live: Uint8Array | null = null;
    a.doc.on('update', (u: Uint8Array) => (live = u));
    await say(a, 'Alice, after the squat');
    await receive(b, live!);
    expect(texts(b)).toContain('Alice, after the squat');
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('a root named %s is not part of the schema', async (root) => {
    // The schema looks rules up in plain objects, so these names find Object.prototype
    // members: a "rule" with no kind, under which nothing is signature-checked and `by`
    // binds any client id — here Alice's — to any device.
    const { a, b } = await scene();
    const ac = a.doc.clientID;
    const ak = Y.getState(a.doc.store, ac);
    const junk = { type: 'anything', by: a.account.device.id, at: 1, c: ac, k: ak, sig: 'A'.repeat(86), note: 'unsigned' };
    const verdict = await b.authorizer.authorize(craftUpdate([{ client: ac, clock: ak, structs: [{ kind: 'item', parent: root, parentSub: 'x', values: [junk] }] }]));
    expect(verdict).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  it("an event reusing another member's event id does not replace that message for late joiners", async () => {
    // The timeline keeps the first event it sees per id. A full state lists the highest
    // Yjs client id first, so Mallory writes her copy under client 0xffffffff.
    const { a, m } = await scene();
    const target = a.log.readAll().find((e) => e.author === a.account.device.id && e.kind === 'message')!;
    const { c: X, n: XN } = boundClient(m);
    const copy = await signEvent({ id: target.id, author: m.account.device.id, at: target.at, kind: 'message', text: 'replaced by Mallory' } as UnsignedEvent, { c: X, k: 0, n: XN }, tipOf(m), m.account.device.signPrivate);
    await receive(a, craftUpdate([{ client: X, clock: 0, structs: [{ kind: 'item', parent: shardName(m.account.device.id, 1), values: [copy] }] }]));

    const carol = new SyncedDoc({ account: await testAccount('Carol'), schema: openSchema(), keys: new VerifyKeyCache(), now: tick });
    const timeline = new Timeline();
    carol.log.observe((events) => timeline.add(events));
    const full = Y.encodeStateAsUpdate(a.doc);
    expect(await carol.authorizer.authorize(full)).toMatchObject({ ok: true });
    Y.applyUpdate(carol.doc, full);
    const shown = timeline.entries.filter((e) => e.kind === 'message').map((e) => [e.author === a.account.device.id ? 'Alice' : 'Mallory', e.text]);
    expect(shown).toContainEqual(['Alice', 'hello from Alice']);
  });

  it('a message stamped at Number.MAX_SAFE_INTEGER does not stop everyone else from sending', async () => {
    // nextTimestamp keeps local time after the newest event seen; one step past 2^53 - 1
    // is no longer a safe integer, and createEvent refuses every new event.
    const { a, m } = await scene();
    const me = m.account.device.id;
    const timeline = new Timeline();
    timeline.add(a.log.readAll());
    a.log.observe((events) => timeline.add(events));
    const c = m.doc.clientID;
    const k = Y.getState(m.doc.store, c);
    const event = await signEvent({ ...createEvent({ kind: 'message', text: 'from the end of time' }, me, tick()), at: Number.MAX_SAFE_INTEGER } as UnsignedEvent, { c, k, n: m.writer.placement().n }, tipOf(m), m.account.device.signPrivate);
    await receive(a, craftUpdate([{ client: c, clock: k, structs: [{ kind: 'item', origin: { client: c, clock: k - 1 }, values: [event] }] }]));

    expect(() => createEvent({ kind: 'message', text: 'can I still talk?' }, a.account.device.id, nextTimestamp(Date.now(), timeline.latestAt))).not.toThrow();
  });

  it('origins that form a cycle inside one update get a verdict instead of overflowing the stack', async () => {
    const { a, m } = await scene();
    const me = m.account.device.id;
    const [bx, bz] = [boundClient(m), boundClient(m)];
    const [X, Z] = [bx.c, bz.c];
    const e = (c: number) => signEvent(createEvent({ kind: 'message', text: 'loop' }, me, tick()), { c, k: 0, n: c === X ? bx.n : bz.n }, tipOf(m), m.account.device.signPrivate);
    const update = craftUpdate([
      { client: X, clock: 0, structs: [{ kind: 'item', origin: { client: Z, clock: 0 }, values: [await e(X)] }] },
      { client: Z, clock: 0, structs: [{ kind: 'item', origin: { client: X, clock: 0 }, values: [await e(Z)] }] },
    ]);
    await expect(a.authorizer.authorize(update)).resolves.toMatchObject({ ok: false });
  });

  it('an honest history where two tabs took turns writing one map key 3,000 times is accepted by a late joiner', { timeout: 30_000 }, async () => {
    // Each tab is its own Yjs client and each write's origin is the other tab's last value,
    // so the origin chain alternates clients. Locating the newest value walks it recursively.
    const bob = await testAccount('Bob');
    const tab = (clientID: number): SyncedDoc => {
      const d = new SyncedDoc({ account: bob, schema: openSchema(), keys: new VerifyKeyCache(), now: tick });
      d.doc.clientID = clientID;
      return d;
    };
    const [t1, t2, t3] = [tab(1000), tab(2000), tab(0xfffffff0)];
    await t1.ensureMember('Bob', undefined);
    const key = bob.device.id;
    for (let i = 0; i < 3000; i++) {
      for (const [from, to] of [[t1, t2], [t2, t1]] as const) {
        await from.writer.setRecord('reads', key, { type: 'read', by: key, at: tick() }, LOCAL_ORIGIN);
        Y.applyUpdate(to.doc, Y.encodeStateAsUpdate(from.doc, Y.encodeStateVector(to.doc)));
      }
    }
    // A third session (a reload: a new client id) writes once more.
    Y.applyUpdate(t3.doc, Y.encodeStateAsUpdate(t1.doc));
    await t3.writer.setRecord('reads', key, { type: 'read', by: key, at: tick() }, LOCAL_ORIGIN);
    const carol = await memberDoc(await testAccount('Carol'));
    await expect(carol.authorizer.authorize(Y.encodeStateAsUpdate(t3.doc))).resolves.toMatchObject({ ok: true });
  });
});
