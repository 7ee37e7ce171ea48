/**
 * Tabs of one profile sync over BroadcastChannel (docs/architecture.md §5): a new tab gets what
 * the others hold and gives what it holds, live changes flow both ways, and junk on the
 * channel is dropped. Real BroadcastChannel (Node's), real Yjs docs.
 */
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { TabSync, type TabPolicy } from '../../../src/net/tab-sync.js';

const open: Array<{ destroy(): void }> = [];
/** These tests are about the channel protocol; authorization is tested with real documents in tests/integration/malicious/tab-channel.test.ts. */
const acceptAll: TabPolicy = { authorize: async () => ({ ok: true, empty: false }) };
let channelName = '';
let counter = 0;

function tab(): TabSync {
  const t = new TabSync(new BroadcastChannel(channelName));
  open.push(t);
  return t;
}

function docWith(...texts: string[]): Y.Doc {
  const doc = new Y.Doc();
  doc.getArray<string>('log').push(texts);
  return doc;
}

const texts = (doc: Y.Doc): string[] => [...doc.getArray<string>('log').toArray()].sort();

describe('tab sync', () => {
  afterEach(() => {
    for (const t of open.splice(0)) t.destroy();
  });
  channelName = `parley-test-${process.pid}-${counter++}`;

  it('exchanges what each tab holds when one opens, then live changes both ways', async () => {
    const a = docWith('written in tab A');
    const b = docWith('written in tab B before it knew A');
    tab().add('room', a, acceptAll);
    tab().add('room', b, acceptAll);
    await expect.poll(() => texts(b)).toEqual(['written in tab A', 'written in tab B before it knew A']);
    await expect.poll(() => texts(a)).toEqual(texts(b));

    a.getArray<string>('log').push(['live from A']);
    await expect.poll(() => texts(b)).toContain('live from A');
    b.getArray<string>('log').push(['live from B']);
    await expect.poll(() => texts(a)).toContain('live from B');
  });

  it('syncs only the documents both tabs hold, and stops after remove', async () => {
    const a = docWith('shared');
    const other = docWith('only in A');
    const b = new Y.Doc();
    const ta = tab();
    const tb = tab();
    ta.add('room', a, acceptAll);
    ta.add('other', other, acceptAll);
    tb.add('room', b, acceptAll);
    await expect.poll(() => texts(b)).toEqual(['shared']);
    tb.remove('room');
    a.getArray<string>('log').push(['after remove']);
    // A third tab that still holds the room proves the update went out.
    const c = new Y.Doc();
    tab().add('room', c, acceptAll);
    await expect.poll(() => texts(c)).toEqual(['after remove', 'shared']);
    expect(texts(b)).toEqual(['shared']);
  });

  it('applies the values its check read from another tab, not a second reading (src/net/read-values.ts)', async () => {
    const checked = new Set<unknown>();
    const reading: TabPolicy = {
      authorize: async (update, decode) => {
        for (const s of (decode ?? Y.decodeUpdate)(update).structs) if (s instanceof Y.Item && s.content instanceof Y.ContentAny) for (const v of s.content.arr) checked.add(v);
        return { ok: true, empty: false };
      },
    };
    const a = new Y.Doc();
    a.getArray('log').push([{ text: 'one' }, { text: 'two' }]);
    const b = new Y.Doc();
    tab().add('room', a, acceptAll);
    tab().add('room', b, reading);
    await expect.poll(() => b.getArray('log').length).toBe(2);
    expect(b.getArray('log').toArray().every((value) => checked.has(value))).toBe(true);
  });

  it('drops malformed messages and keeps syncing', async () => {
    const a = new Y.Doc();
    tab().add('room', a, acceptAll);
    const junk = new BroadcastChannel(channelName);
    const sender = new Y.Doc();
    sender.getArray<string>('log').push(['good']);
    const good = Y.encodeStateAsUpdate(sender);
    for (const message of [
      null,
      'text',
      { v: 2, from: 'x', doc: 'room', kind: 'update', data: good },
      { v: 1, from: 'x', doc: 'room', kind: 'delete-everything', data: good },
      { v: 1, from: 'x', doc: 'room', kind: 'update', data: 'not bytes' },
      { v: 1, from: 'x', doc: 'r'.repeat(500), kind: 'update', data: good },
      { v: 1, from: 'x', doc: 'room', kind: 'update', data: new Uint8Array([255, 255, 255, 1, 2]) },
      { v: 1, from: 'x', doc: 'room', kind: 'hello', data: new Uint8Array([255, 255, 255]) },
      { v: 1, from: 'x', doc: 'room', kind: 'update', data: good },
    ]) {
      junk.postMessage(message);
    }
    await expect.poll(() => texts(a)).toEqual(['good']);
    junk.close();
  });
});
