/**
 * The values of an update read once (src/net/read-values.ts): the check's read keeps them,
 * and the apply hands Yjs those very objects where its reader stands at their bytes, reading
 * for itself anywhere else.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { applyRead, ReadValues } from '../../../src/net/read-values.js';

function source(): Y.Doc {
  const doc = new Y.Doc({ gc: false });
  const log = doc.getArray<object>('log');
  for (let i = 0; i < 300; i += 50) log.push(Array.from({ length: 50 }, (_, j) => ({ id: `e${i + j}`, text: `message ${i + j} é ${'x'.repeat(j)}`, at: i + j, tags: ['a', { n: j }] })));
  const members = doc.getMap('members');
  members.set('alice', { name: 'Alice' });
  // Replaced: the update carries a delete set after the structs.
  members.set('alice', { name: 'Alice B.' });
  members.set('bob', null);
  return doc;
}

const logOf = (doc: Y.Doc): unknown[] => doc.getArray('log').toArray();

function readOnce(update: Uint8Array): ReadValues {
  const read = new ReadValues();
  const decoded = read.decode(update);
  // The same structs as Yjs's own decodeUpdate.
  expect(decoded.structs.length).toBe(Y.decodeUpdate(update).structs.length);
  return read;
}

describe('values read once', () => {
  it('applies what Yjs would, with the very objects the check read', () => {
    const update = Y.encodeStateAsUpdate(source());
    const read = readOnce(update);
    expect(read.values.length).toBe(300 + 3);
    const doc = new Y.Doc({ gc: false });
    applyRead(doc, update, 'peer', read);
    const plain = new Y.Doc({ gc: false });
    Y.applyUpdate(plain, update);
    expect(doc.getArray('log').toJSON()).toEqual(plain.getArray('log').toJSON());
    expect(doc.getMap('members').toJSON()).toEqual({ alice: { name: 'Alice B.' }, bob: null });
    expect(Y.encodeStateAsUpdate(doc)).toEqual(Y.encodeStateAsUpdate(plain));
    expect(logOf(doc).every((value, i) => value === read.values[i])).toBe(true);
    // Yjs's own apply reads new objects.
    expect(logOf(plain)[0]).not.toBe(read.values[0]);
  });

  it('reads for itself when the values were kept from other bytes', () => {
    const update = Y.encodeStateAsUpdate(source());
    const read = readOnce(update.slice());
    const doc = new Y.Doc({ gc: false });
    applyRead(doc, update, 'peer', read);
    expect(logOf(doc)).toEqual(read.values.slice(0, 300));
    expect(logOf(doc).some((value, i) => value === read.values[i])).toBe(false);
  });

  it('reads for itself from the first value that is not where it was kept', () => {
    const update = Y.encodeStateAsUpdate(source());
    const read = readOnce(update);
    read.starts[120] = read.starts[120]! + 1;
    const doc = new Y.Doc({ gc: false });
    applyRead(doc, update, 'peer', read);
    const log = logOf(doc);
    expect(log).toEqual(read.values.slice(0, 300));
    expect(log.slice(0, 120).every((value, i) => value === read.values[i])).toBe(true);
    expect(log.slice(120).some((value, i) => value === read.values[120 + i])).toBe(false);
    expect(doc.getMap('members').toJSON()).toEqual({ alice: { name: 'Alice B.' }, bob: null });
  });

  it('reads for itself when nothing was kept (a policy that did not use the reader)', () => {
    const update = Y.encodeStateAsUpdate(source());
    const doc = new Y.Doc({ gc: false });
    applyRead(doc, update, 'peer', new ReadValues());
    expect(doc.getArray('log').length).toBe(300);
    expect(doc.getMap('members').toJSON()).toEqual({ alice: { name: 'Alice B.' }, bob: null });
  });
});
