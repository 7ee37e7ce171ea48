/**
 * Reading past the newest value of a Y.Map key (docs/architecture.md §4.4): documents keep
 * what was replaced (`gc: false`), and Yjs merges replaced values one client wrote back to
 * back into one item, so every value of an item counts, in order, with its own Yjs id.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { newestItems, versionsFrom, versionsOf } from '../../../src/core/map-versions.js';

describe('map versions', () => {
  it('lists every value written under a key, newest first or first first, merged items included', () => {
    const phone = new Y.Doc({ gc: false });
    const laptop = new Y.Doc({ gc: false });
    phone.getMap('contacts').set('bob', { state: 'accepted' });
    phone.getMap('contacts').set('bob', { state: 'blocked' });
    Y.applyUpdate(laptop, Y.encodeStateAsUpdate(phone));
    laptop.getMap('contacts').set('bob', { state: 'accepted', on: 'laptop' });
    for (const doc of [laptop, phone]) {
      if (doc === phone) Y.applyUpdate(phone, Y.encodeStateAsUpdate(laptop, Y.encodeStateVector(phone)));
      const map = doc.getMap('contacts');
      expect(versionsOf(map, 'bob')).toEqual([{ state: 'accepted', on: 'laptop' }, { state: 'blocked' }, { state: 'accepted' }]);
      const first = [...versionsFrom(newestItems(map).get('bob')!, 'first')];
      expect(first.map((v) => v.value)).toEqual([{ state: 'accepted' }, { state: 'blocked' }, { state: 'accepted', on: 'laptop' }]);
      // Each value with the id it was written under, even inside a merged item.
      expect(first.slice(0, 2).map((v) => [v.client, v.clock])).toEqual([
        [phone.clientID, 0],
        [phone.clientID, 1],
      ]);
    }
    laptop.getMap('contacts').delete('bob');
    expect(versionsOf(laptop.getMap('contacts'), 'bob')).toEqual([]);
  });
});
