/**
 * Document sync over framed links, with manual-flush transports (deterministic). Covers
 * the cases stock y-webrtc fails: histories far over one data-channel message.
 */
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncedDoc } from '../../../src/client/synced-doc.js';
import { createEvent } from '../../../src/core/events.js';
import type { Topic } from '../../../src/core/ids.js';
import { FrameKinds, MAX_CHUNK } from '../../../src/net/framing.js';
import { PeerLink } from '../../../src/net/peer-link.js';
import { RoomSync } from '../../../src/net/room-sync.js';
import { flushAll, transportPair, type MemoryTransport } from '../../helpers/memory-transport.js';
import { memberDoc, say, testAccount, texts, tick } from '../../helpers/signed-docs.js';

const TOPIC = '00112233445566778899aabbccddeeff' as Topic;

interface Side {
  synced: SyncedDoc;
  doc: Y.Doc;
  awareness: Awareness;
  room: RoomSync;
  link: PeerLink;
  transport: MemoryTransport;
  violations: string[];
}

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

/**
 * Frames are handled asynchronously (authorization awaits signatures); this settles them:
 * until nothing is in flight for a while and, when given, `done` holds (under load, checking
 * a large history takes longer than any fixed quiet period).
 */
async function settle(...args: Array<MemoryTransport | (() => boolean)>): Promise<void> {
  const transports = args.filter((a): a is MemoryTransport => typeof a !== 'function');
  const done = args.find((a): a is () => boolean => typeof a === 'function') ?? (() => true);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    flushAll(...transports);
    await new Promise((r) => setTimeout(r, 5));
    if (transports.every((t) => t.inbox.length === 0)) {
      await new Promise((r) => setTimeout(r, 40));
      if (transports.every((t) => t.inbox.length === 0) && done()) return;
    }
  }
}

async function connectedPair(): Promise<[Side, Side]> {
  const [ta, tb] = transportPair();
  const make = async (transport: MemoryTransport, name: string): Promise<Side> => {
    const synced = await memberDoc(await testAccount(name));
    const doc = synced.doc;
    const awareness = new Awareness(new Y.Doc());
    awareness.setLocalState({ device: synced.account.device.id, name });
    const violations: string[] = [];
    const link = new PeerLink(transport);
    const room = new RoomSync(TOPIC, doc, awareness, synced.policy, (_l, violation) => {
      violations.push(`${violation.reason}: ${violation.detail ?? ''}`);
      link.close(violation.reason, violation.detail);
    });
    let chain: Promise<void> = Promise.resolve();
    link.on('frame', (frame) => (chain = chain.then(() => room.handle(link, frame))));
    // As the mesh does: a large frame part-way in counts toward this room's progress.
    link.on('partial', (partial) => room.noteIncoming(link, partial.received, partial.expected));
    cleanups.push(() => {
      room.destroy();
      awareness.destroy();
    });
    return { synced, doc, awareness, room, link, transport, violations };
  };
  const a = await make(ta, 'Alice');
  const b = await make(tb, 'Bob');
  // Each link speaks for the device on the other end.
  const identityOf = (side: Side) => ({ device: side.synced.account.device.id, identity: side.synced.account.identity.sign, cert: side.synced.account.cert });
  a.link.identify(identityOf(b));
  b.link.identify(identityOf(a));
  ta.open();
  return [a, b];
}

describe('room sync', () => {
  it('syncs a history of several MB in chunks of at most 16 KiB', async () => {
    const [a, b] = await connectedPair();
    const me = a.synced.account.device.id;
    for (let i = 0; i < 5000; i += 500) {
      await a.synced.writer.appendEvents(Array.from({ length: 500 }, (_, j) => createEvent({ kind: 'message', text: `message ${i + j} ${'x'.repeat(900)}` }, me, tick())), null);
    }
    expect(Y.encodeStateAsUpdate(a.doc).length).toBeGreaterThan(4 * 1024 * 1024);
    const heard: Uint8Array[] = [];
    b.doc.on('update', (update: Uint8Array) => heard.push(update));
    a.room.attach(a.link);
    b.room.attach(b.link);
    await settle(a.transport, b.transport, () => texts(b.synced).length === 5000);
    expect(texts(b.synced).length).toBe(5000);
    expect(Math.max(...a.transport.sentSizes)).toBeLessThanOrEqual(MAX_CHUNK);
    // What Bob's update listeners got (the history's own bytes, src/net/fresh-apply.ts) is
    // what IndexedDB stores and other links are relayed: it rebuilds his doc.
    const copy = new Y.Doc({ gc: false });
    for (const update of heard) Y.applyUpdate(copy, update);
    expect(Y.getState(copy.store, a.doc.clientID)).toBe(Y.getState(a.doc.store, a.doc.clientID));
    expect([...copy.share.keys()].filter((k) => k.startsWith('log:')).reduce((n, k) => n + copy.getArray(k).length, 0)).toBe(5000);
    expect(a.violations).toEqual([]);
    expect(b.violations).toEqual([]);
  });

  it('applies the values its check read, not a second reading of the bytes', async () => {
    const [a, b] = await connectedPair();
    const me = a.synced.account.device.id;
    await a.synced.writer.appendEvents(Array.from({ length: 400 }, (_, j) => createEvent({ kind: 'message', text: `message ${j}` }, me, tick())), null);
    // Every value the check read, by identity, through the reader it was given.
    const checked = new Set<unknown>();
    const policy = b.synced.policy;
    const authorize = policy.authorize.bind(policy);
    policy.authorize = (update, decode) =>
      authorize(update, (bytes) => {
        const decoded = (decode ?? Y.decodeUpdate)(bytes);
        for (const s of decoded.structs) if (s instanceof Y.Item && s.content instanceof Y.ContentAny) for (const value of s.content.arr) checked.add(value);
        return decoded;
      });
    a.room.attach(a.link);
    b.room.attach(b.link);
    await settle(a.transport, b.transport, () => texts(b.synced).length === 400);
    const log = [...b.doc.share.keys()].filter((k) => k.startsWith('log:')).flatMap((k) => b.doc.getArray(k).toArray());
    expect(log.length).toBe(400);
    expect(log.every((event) => checked.has(event))).toBe(true);
    expect(b.violations).toEqual([]);
  });

  it('reports a large history arriving, then being checked, then done', async () => {
    const [a, b] = await connectedPair();
    const me = a.synced.account.device.id;
    await a.synced.writer.appendEvents(Array.from({ length: 2000 }, (_, j) => createEvent({ kind: 'message', text: `message ${j} ${'x'.repeat(500)}` }, me, tick())), null);
    const seen: Array<ReturnType<RoomSync['progress']>> = [];
    b.room.on('progress', () => seen.push(b.room.progress()));
    a.room.attach(a.link);
    b.room.attach(b.link);
    await settle(a.transport, b.transport, () => b.room.progress() === null && texts(b.synced).length === 2000);
    expect(texts(b.synced).length).toBe(2000);
    const receiving = seen.filter((p) => p?.phase === 'receiving');
    expect(receiving.length).toBeGreaterThan(0);
    expect(receiving[0]!.received).toBeLessThan(receiving[0]!.expected);
    expect(receiving[0]!.expected).toBeGreaterThan(1_000_000);
    expect(seen.some((p) => p?.phase === 'checking')).toBe(true);
    expect(seen.at(-1)).toBeNull();
    expect(b.room.progress()).toBeNull();
    // Small live updates are not "history": no progress for them.
    seen.length = 0;
    await say(a.synced, 'small');
    await settle(a.transport, b.transport);
    expect(seen).toEqual([]);
  });

  it('sends live updates both ways and acknowledges them', async () => {
    const [a, b] = await connectedPair();
    const acks: number[] = [];
    a.room.on('ack', (sv) => acks.push(sv.get(a.doc.clientID) ?? 0));
    a.room.attach(a.link);
    b.room.attach(b.link);
    await settle(a.transport, b.transport);
    await say(a.synced, 'live');
    await say(b.synced, 'reply');
    // Acks go out 30 ms after an update is applied.
    await settle(a.transport, b.transport, () => acks.at(-1) === Y.getState(a.doc.store, a.doc.clientID));
    expect(texts(b.synced).sort()).toEqual(['live', 'reply']);
    expect(texts(a.synced).sort()).toEqual(['live', 'reply']);
    expect(acks.at(-1)).toBe(Y.getState(a.doc.store, a.doc.clientID));
    expect(a.violations).toEqual([]);
    expect(b.violations).toEqual([]);
  });

  it('shows the remote presence again at once when a link attaches again (a rekey), not at its renewal', async () => {
    const [a, b] = await connectedPair();
    a.room.attach(a.link);
    b.room.attach(b.link);
    const seesAlice = (): boolean => [...b.awareness.getStates().values()].some((s) => s.name === 'Alice');
    await settle(a.transport, b.transport, seesAlice);
    expect(seesAlice()).toBe(true);
    // As a rekey does on both sides: detach, prove membership again, attach.
    a.room.detach(a.link);
    b.room.detach(b.link);
    expect(seesAlice()).toBe(false);
    a.room.attach(a.link);
    b.room.attach(b.link);
    // Alice's state did not change, so its clock did not either; it must still be taken
    // from the frames of the attach itself (its renewal comes only 15 s later).
    await settle(a.transport, b.transport);
    expect(seesAlice()).toBe(true);
    expect(b.violations).toEqual([]);
  });

  it('drops a link that sends a malformed update, and the doc still works', async () => {
    const [a, b] = await connectedPair();
    a.room.attach(a.link);
    b.room.attach(b.link);
    await settle(a.transport, b.transport);
    a.link.send({ kind: FrameKinds.sync, doc: a.room.docId, payload: Uint8Array.of(2, 5, 1, 200, 200, 200, 200) });
    await settle(a.transport, b.transport);
    expect(b.violations.length).toBe(1);
    expect(b.violations[0]).toMatch(/malformed/);
    await say(b.synced, 'still fine');
    expect(texts(b.synced)).toEqual(['still fine']);
  });

  it('refuses oversized awareness states', async () => {
    const [a, b] = await connectedPair();
    a.room.attach(a.link);
    b.room.attach(b.link);
    await settle(a.transport, b.transport);
    a.awareness.setLocalState({ device: a.synced.account.device.id, name: 'x'.repeat(5000) });
    await settle(a.transport, b.transport);
    expect(b.violations[0]).toMatch(/awareness/);
    expect(b.awareness.getStates().get(a.awareness.clientID)?.name).toBe('Alice');
  });

  it('refuses presence claiming another device', async () => {
    const [a, b] = await connectedPair();
    a.room.attach(a.link);
    b.room.attach(b.link);
    await settle(a.transport, b.transport);
    a.awareness.setLocalState({ device: b.synced.account.device.id, name: 'Bob (really)' });
    await settle(a.transport, b.transport);
    expect(b.violations[0]).toMatch(/another device/);
  });

  it('asks for a fresh sync instead of parking an update with a gap', async () => {
    const [a, b] = await connectedPair();
    a.room.attach(a.link);
    b.room.attach(b.link);
    await settle(a.transport, b.transport);
    // The update carrying 'one' is lost on the way, as with a relay that missed it.
    await say(a.synced, 'one');
    b.transport.inbox.length = 0;
    await say(a.synced, 'two');
    await settle(a.transport, b.transport);
    expect(b.doc.store.pendingStructs).toBeNull();
    expect(b.violations).toEqual([]);
    expect(texts(b.synced)).toEqual(['one', 'two']);
    // The refused update left its trace for a stuck test's diagnosis (page-diagnosis.ts reads it).
    const links = (b.room as unknown as { links: Map<unknown, { gaps: { count: number; last: string } }> }).links;
    expect([...links.values()].map((l) => l.gaps.count)).toEqual([1]);
    expect([...links.values()][0]!.gaps.last).toMatch(/starts at|missing struct|skip/);
  });
});
