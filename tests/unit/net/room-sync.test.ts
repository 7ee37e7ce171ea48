/**
 * Document sync over framed links, with manual-flush transports (deterministic). Covers
 * the cases stock y-webrtc fails: histories far over one data-channel message.
 */
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConversationLog } from '../../../src/core/conversation.js';
import { createEvent } from '../../../src/core/events.js';
import type { DeviceId, Topic } from '../../../src/core/ids.js';
import { FrameKinds, MAX_CHUNK } from '../../../src/net/framing.js';
import { PeerLink } from '../../../src/net/peer-link.js';
import { RoomSync } from '../../../src/net/room-sync.js';
import { flushAll, transportPair, type MemoryTransport } from '../../helpers/memory-transport.js';

const TOPIC = '00112233445566778899aabbccddeeff' as Topic;
const ALICE = 'aliceDevice01' as DeviceId;

interface Side {
  doc: Y.Doc;
  awareness: Awareness;
  room: RoomSync;
  link: PeerLink;
  transport: MemoryTransport;
  violations: string[];
}

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function connectedPair(): [Side, Side] {
  const [ta, tb] = transportPair();
  const make = (transport: MemoryTransport): Side => {
    const doc = new Y.Doc();
    const awareness = new Awareness(doc);
    const violations: string[] = [];
    const link = new PeerLink(transport);
    const room = new RoomSync(TOPIC, doc, awareness, (_l, reason) => {
      violations.push(reason);
      link.close(reason);
    });
    link.events = { onFrame: (frame) => room.handle(link, frame) };
    cleanups.push(() => {
      room.destroy();
      awareness.destroy();
    });
    return { doc, awareness, room, link, transport, violations };
  };
  const a = make(ta);
  const b = make(tb);
  ta.open();
  tb.open();
  return [a, b];
}

describe('room sync', () => {
  it('syncs a history of several MB in chunks of at most 16 KiB', () => {
    const [a, b] = connectedPair();
    const log = new ConversationLog(a.doc);
    for (let i = 0; i < 5000; i += 500) {
      log.append(ALICE, Array.from({ length: 500 }, (_, j) => createEvent({ kind: 'message', text: `message ${i + j} ${'x'.repeat(900)}` }, ALICE, 1 + i + j)));
    }
    expect(Y.encodeStateAsUpdate(a.doc).length).toBeGreaterThan(4 * 1024 * 1024);
    a.room.attach(a.link);
    b.room.attach(b.link);
    flushAll(a.transport, b.transport);
    expect(new ConversationLog(b.doc).readAll().length).toBe(5000);
    expect(Math.max(...a.transport.sentSizes)).toBeLessThanOrEqual(MAX_CHUNK);
    expect(a.violations).toEqual([]);
    expect(b.violations).toEqual([]);
  });

  it('sends live updates both ways and acknowledges them', () => {
    const [a, b] = connectedPair();
    const acks: number[] = [];
    a.room.events = { onAck: (sv) => acks.push(sv.get(a.doc.clientID) ?? 0) };
    a.room.attach(a.link);
    b.room.attach(b.link);
    flushAll(a.transport, b.transport);
    new ConversationLog(a.doc).append(ALICE, [createEvent({ kind: 'message', text: 'live' }, ALICE, 5)]);
    flushAll(a.transport, b.transport);
    expect(new ConversationLog(b.doc).readAll().map((e) => (e as { text: string }).text)).toEqual(['live']);
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        flushAll(a.transport, b.transport);
        expect(acks.at(-1)).toBe(1);
        resolve();
      }, 60),
    );
  });

  it('drops a link that sends a malformed update, and the doc still works', () => {
    const [a, b] = connectedPair();
    a.room.attach(a.link);
    b.room.attach(b.link);
    flushAll(a.transport, b.transport);
    a.link.send({ kind: FrameKinds.sync, doc: a.room.docId, payload: Uint8Array.of(2, 5, 1, 200, 200, 200, 200) });
    flushAll(a.transport, b.transport);
    expect(b.violations.length).toBe(1);
    expect(b.violations[0]).toMatch(/malformed/);
    new ConversationLog(b.doc).append(ALICE, [createEvent({ kind: 'message', text: 'still fine' }, ALICE, 9)]);
    expect(Y.encodeStateAsUpdate(b.doc).length).toBeGreaterThan(0);
  });

  it('refuses oversized awareness states and states for other clients', () => {
    const [a, b] = connectedPair();
    a.room.attach(a.link);
    b.room.attach(b.link);
    flushAll(a.transport, b.transport);
    a.awareness.setLocalState({ name: 'x'.repeat(5000) });
    flushAll(a.transport, b.transport);
    expect(b.violations[0]).toMatch(/awareness/);
    expect(b.awareness.getStates().has(a.awareness.clientID)).toBe(false);
  });

  it('asks for a fresh sync instead of parking an update with a gap', () => {
    const [a, b] = connectedPair();
    const log = new ConversationLog(a.doc);
    log.append(ALICE, [createEvent({ kind: 'message', text: 'one' }, ALICE, 1)]);
    const sv = Y.encodeStateVector(a.doc);
    log.append(ALICE, [createEvent({ kind: 'message', text: 'two' }, ALICE, 2)]);
    a.room.attach(a.link);
    b.room.attach(b.link);
    // Deliver only the tail first, as a relay that missed the beginning would.
    const tail = Y.encodeStateAsUpdate(a.doc, sv);
    const payload = new Uint8Array([2, ...varuint(tail.length), ...tail]);
    a.link.send({ kind: FrameKinds.sync, doc: a.room.docId, payload });
    flushAll(a.transport, b.transport);
    expect(b.violations).toEqual([]);
    expect(b.doc.store.pendingStructs).toBeNull();
    expect(new ConversationLog(b.doc).readAll().length).toBe(2);
  });
});

function varuint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
