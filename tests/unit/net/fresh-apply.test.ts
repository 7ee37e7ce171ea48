/**
 * A large checked update applied without Yjs encoding it again for the doc's `update`
 * listeners (src/net/fresh-apply.ts): the listeners get its own bytes, still see every other
 * transaction through Yjs, and are all back in place afterwards.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { applyChecked, applyFresh, stateBeforeCheck } from '../../../src/net/fresh-apply.js';

function history(values: number): Y.Doc {
  const doc = new Y.Doc({ gc: false });
  const log = doc.getArray<string>('log');
  for (let i = 0; i < values; i += 100) log.push(Array.from({ length: 100 }, (_, j) => `message ${i + j} ${'x'.repeat(700)}`));
  doc.getMap('members').set('alice', 'record');
  return doc;
}

function listen(doc: Y.Doc): Array<{ update: Uint8Array; origin: unknown; transaction: Y.Transaction }> {
  const seen: Array<{ update: Uint8Array; origin: unknown; transaction: Y.Transaction }> = [];
  doc.on('update', (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => seen.push({ update, origin, transaction }));
  return seen;
}

describe('applyFresh', () => {
  it('hands the update listeners the bytes as they came, once, with the transaction', () => {
    const update = Y.encodeStateAsUpdate(history(300));
    const doc = new Y.Doc({ gc: false });
    const a = listen(doc);
    const b = listen(doc);
    applyFresh(doc, update, 'peer');
    expect(a.length).toBe(1);
    expect(a[0]!.update).toBe(update);
    expect(a[0]!.origin).toBe('peer');
    expect(a[0]!.transaction.afterState.size).toBe(1);
    expect(b.map((s) => s.update)).toEqual([update]);
    expect(doc.getArray('log').length).toBe(300);
    // What a listener stores or relays rebuilds the same doc.
    const copy = new Y.Doc({ gc: false });
    Y.applyUpdate(copy, a[0]!.update);
    expect(copy.getArray('log').toJSON()).toEqual(doc.getArray('log').toJSON());
    // Every listener is back: a later write reaches them through Yjs.
    doc.getMap('members').set('bob', 'record');
    expect(a.length).toBe(2);
    expect(b.length).toBe(2);
  });

  it('copies a view into a larger buffer, so no listener keeps the whole frame', () => {
    const update = Y.encodeStateAsUpdate(history(200));
    const frame = new Uint8Array(update.length + 10);
    frame.set(update, 5);
    const doc = new Y.Doc({ gc: false });
    const seen = listen(doc);
    applyFresh(doc, frame.subarray(5, 5 + update.length), 'peer');
    expect(seen[0]!.update.buffer.byteLength).toBe(update.length);
    expect(seen[0]!.update).toEqual(update);
  });

  it('lets a write made by an observer during the apply reach the listeners through Yjs', () => {
    const update = Y.encodeStateAsUpdate(history(500));
    const doc = new Y.Doc({ gc: false });
    const seen = listen(doc);
    doc.on('afterTransaction', (transaction: Y.Transaction) => {
      if (transaction.origin === 'peer') doc.transact(() => doc.getMap('reads').set('me', 1), 'local');
    });
    applyFresh(doc, update, 'peer');
    expect(seen.map((s) => s.origin)).toEqual(['peer', 'local']);
    const copy = new Y.Doc({ gc: false });
    for (const s of seen) Y.applyUpdate(copy, s.update);
    expect(copy.getMap('reads').get('me')).toBe(1);
    expect(copy.getArray('log').length).toBe(500);
  });
});

describe('applyChecked', () => {
  it('goes through Yjs when the doc moved while the update was checked', () => {
    const source = history(100);
    const prefix = Y.encodeStateAsUpdate(source);
    source.getArray<string>('log').push(Array.from({ length: 200 }, (_, i) => `later ${i} ${'x'.repeat(700)}`));
    const update = Y.encodeStateAsUpdate(source);
    const doc = new Y.Doc({ gc: false });
    const before = stateBeforeCheck(doc, update);
    expect(before).not.toBeNull();
    // Part of it arrived by another path meanwhile (another tab, the mailbox).
    Y.applyUpdate(doc, prefix);
    const seen = listen(doc);
    applyChecked(doc, update, 'peer', true, before);
    // Yjs's own encoding: only what this transaction added, not the bytes as they came.
    expect(seen.length).toBe(1);
    expect(seen[0]!.update).not.toBe(update);
    expect(seen[0]!.update.length).toBeLessThan(update.length);
    expect(doc.getArray('log').length).toBe(300);
  });

  it('leaves small updates (a live message) to Yjs', () => {
    const doc = new Y.Doc();
    doc.getArray<string>('log').push(['one message']);
    const update = Y.encodeStateAsUpdate(doc);
    expect(stateBeforeCheck(new Y.Doc(), update)).toBeNull();
  });
});
