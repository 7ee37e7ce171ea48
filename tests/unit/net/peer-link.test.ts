/**
 * PeerLink over manual-flush paths (docs/architecture.md §5): priority lanes, and moving a
 * stream from the relay to a direct path with nothing lost, doubled or reordered.
 */
import { describe, expect, it } from 'vitest';
import { FrameKinds, MAX_CHUNK, type Frame } from '../../../src/net/framing.js';
import { encodePathControl } from '../../../src/net/link-controls.js';
import { linkPair } from '../../helpers/link-pair.js';
import { flushAll, transportPair } from '../../helpers/memory-transport.js';

const DOC = Uint8Array.from({ length: 16 }, (_, i) => i);
const sync = (n: number, size = 8): Frame => ({ kind: FrameKinds.sync, doc: DOC, payload: Uint8Array.from({ length: size }, (_, i) => (n + i) & 0xff) });
const numberOf = (f: Frame): number => f.payload[0]!;

const pair = linkPair;

describe('peer link', () => {
  it('lets control frames (acks) overtake a large sync frame, chunk by chunk', () => {
    const { a, ta, tb, got } = pair('direct');
    ta.open();
    a.send(sync(1, MAX_CHUNK * 20));
    a.send({ kind: FrameKinds.ack, doc: DOC, payload: Uint8Array.of(0) });
    flushAll(ta, tb);
    expect(got.map((f) => f.kind)).toEqual([FrameKinds.ack, FrameKinds.sync]);
  });

  it('fills the path with file chunks only to 192 KiB of its 256, so a text sent during a transfer goes out at once', () => {
    const { a, ta, tb, got } = pair('direct');
    ta.open();
    a.send({ kind: FrameKinds.fileData, doc: DOC, payload: new Uint8Array(2 * 1024 * 1024) });
    const bulkInPath = ta.bufferedAmount;
    expect(bulkInPath).toBeGreaterThanOrEqual(192 * 1024);
    expect(bulkInPath).toBeLessThan(192 * 1024 + MAX_CHUNK);
    a.send(sync(1));
    // In the path now, right behind the file data already there: no drain was needed first.
    const last = tb.inbox[tb.inbox.length - 1]!;
    expect((last[0]! >> 2) & 3).toBe(1);
    expect(ta.bufferedAmount - last.length).toBe(bulkInPath);
    flushAll(ta, tb);
    expect(got.map((f) => f.kind)).toEqual([FrameKinds.sync, FrameKinds.fileData]);
    expect(got[1]!.payload.length).toBe(2 * 1024 * 1024);
  });

  it('keeps when the last sync frame came (for the file fetches), not acks, presence or file chunks', () => {
    const { a, b, ta, tb } = pair('direct');
    ta.open();
    expect(b.syncHeardAt).toBe(-Infinity);
    a.send({ kind: FrameKinds.ack, doc: DOC, payload: Uint8Array.of(0) });
    a.send({ kind: FrameKinds.awareness, doc: DOC, payload: Uint8Array.of(0) });
    a.send({ kind: FrameKinds.fileData, doc: DOC, payload: new Uint8Array(1024) });
    flushAll(ta, tb);
    expect(b.syncHeardAt).toBe(-Infinity);
    const before = performance.now();
    a.send(sync(1));
    flushAll(ta, tb);
    expect(b.syncHeardAt).toBeGreaterThanOrEqual(before);
    expect(b.syncHeardAt).toBeLessThanOrEqual(performance.now());
    // Only what the remote sent: this side's own sync frames do not count.
    expect(a.syncHeardAt).toBe(-Infinity);
  });

  it('keeps when this side last sent a sync frame (for the file holder), not acks, presence or file chunks', () => {
    const { a, ta } = pair('direct');
    ta.open();
    a.send({ kind: FrameKinds.ack, doc: DOC, payload: Uint8Array.of(0) });
    a.send({ kind: FrameKinds.awareness, doc: DOC, payload: Uint8Array.of(0) });
    a.send({ kind: FrameKinds.fileData, doc: DOC, payload: new Uint8Array(1024) });
    expect(a.syncSentAt).toBe(-Infinity);
    const before = performance.now();
    a.send(sync(1));
    expect(a.syncSentAt).toBeGreaterThanOrEqual(before);
    expect(a.syncSentAt).toBeLessThanOrEqual(performance.now());
  });

  it('keeps sync frames in order within their lane', () => {
    const { a, ta, tb, got } = pair('direct');
    ta.open();
    for (let i = 0; i < 50; i++) a.send(sync(i, i % 7 === 0 ? MAX_CHUNK * 3 : 10));
    flushAll(ta, tb);
    expect(got.map(numberOf)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('moves from the relay to a direct path with nothing lost, doubled or reordered', () => {
    const { a, b, ta, tb, got, closes } = pair('relay');
    const [da, db] = transportPair('direct');
    a.addPath(da);
    b.addPath(db);
    ta.open();
    for (let i = 0; i < 20; i++) a.send(sync(i, 3000));
    // Part of it is delivered over the relay, then the direct path opens mid-stream.
    const rest = tb.inbox.splice(6);
    tb.flush();
    tb.inbox.push(...rest);
    da.open();
    expect(a.kind).toBe('direct');
    for (let i = 20; i < 40; i++) a.send(sync(i, 3000));
    // The direct path is faster: its chunks arrive first and must wait for the switch.
    db.flush();
    expect(got.length).toBeLessThan(20);
    flushAll(ta, tb, da, db);
    expect(got.map(numberOf)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // Both directions moved (b never sent, so only a's relay side is left): a's relay path
    // closes once b took everything on it.
    expect(closes).toEqual([]);
    expect(a.isOpen && b.isOpen).toBe(true);
  });

  it('retires the relay once both directions moved to the direct path', () => {
    const { a, b, ta, tb, closes } = pair('relay');
    const [da, db] = transportPair('direct');
    a.addPath(da);
    b.addPath(db);
    ta.open();
    a.send(sync(1));
    b.send(sync(2));
    flushAll(ta, tb);
    da.open();
    a.send(sync(3));
    b.send(sync(4));
    flushAll(ta, tb, da, db);
    expect(ta.isClosed && tb.isClosed).toBe(true);
    expect(a.pathCount).toBe(1);
    expect(closes).toEqual([]);
    expect(a.isOpen && b.isOpen).toBe(true);
  });

  it('gives up the link when a path it moved off fails before the remote read the switch on it', () => {
    const { a, b, ta, tb, got, closes } = pair('relay');
    const [da, db] = transportPair('direct');
    a.addPath(da);
    b.addPath(db);
    // a's stream begins on the relay; b's on the direct path (its relay had not opened yet).
    ta.openOne();
    db.openOne();
    a.send(sync(1));
    flushAll(ta, tb, da, db);
    expect(got.map(numberOf)).toEqual([1]);
    // a's direct path opens: a writes its switch on the relay and sends on the direct path.
    da.openOne();
    a.send(sync(2));
    // a's relay fails on a's side (its socket dropped) before b read the switch, which is lost.
    ta.failAlone();
    tb.inbox.length = 0;
    flushAll(da, db);
    // b still reads the relay and holds what came on the direct path: nothing would ever reach
    // it again while both links said open. a gives the link up instead, and b's goes with it.
    expect(got.map(numberOf)).toEqual([1]);
    expect(a.isClosed && b.isClosed).toBe(true);
    expect(closes).toContain('a: connection-failed');
  });

  it('closes when a first begin names another path, and says which ends it named and which this path has', () => {
    const { b, ta, tb } = pair('direct');
    const details: string[] = [];
    b.on('close', (reason, detail) => void details.push(`${reason}: ${detail ?? ''}`));
    tb.open();
    ta.open();
    // Before anything of a's: a begin naming bindings this channel does not have.
    tb.inbox.unshift(encodePathControl({ type: 'begin', local: 'sha-256 AA:BB', remote: 'sha-256 CC:DD' }));
    tb.flush();
    const mine = tb.binding();
    expect(details).toEqual([`bad-path-switch: begin names another path (named a-256 CC:DD↔a-256 AA:BB, this path ${mine.local.slice(-11)}↔${mine.remote.slice(-11)})`]);
  });

  it('closes when a switch names a path the receiver does not have', () => {
    const { a, b, ta, tb, closes } = pair('relay');
    const [da] = transportPair('direct');
    a.addPath(da);
    ta.open();
    a.send(sync(1));
    da.open();
    flushAll(ta, tb);
    expect(b.isClosed).toBe(true);
    expect(closes).toContain('b: bad-path-switch');
  });

  it('holds data on a path until a begin or switch leads there (injected chunks do nothing)', () => {
    const { b, ta, tb, got } = pair('relay');
    // A whole one-chunk sync frame, written on the path before any begin: not delivered.
    tb.inbox.push(Uint8Array.of(3, 3, FrameKinds.sync, 0, 0));
    tb.flush();
    expect(got).toEqual([]);
    expect(b.isClosed || ta.isClosed).toBe(false);
  });
});
