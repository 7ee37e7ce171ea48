import { describe, expect, it } from 'vitest';
import type { Topic } from '../../../src/core/ids.js';
import { LocalReadMarkerCopy, MemoryReadMarkerCopy } from '../../../src/store/read-marker-copy.js';
import { MapStorage } from '../../helpers/map-storage.js';

const a = 'topic-a' as Topic;
const b = 'topic-b' as Topic;

describe('read marker copy', () => {
  it('keeps the newest marker per conversation across instances, never moving one back', () => {
    const storage = new MapStorage();
    const copy = new LocalReadMarkerCopy(storage as unknown as Storage);
    copy.set(a, 200);
    copy.set(a, 100);
    copy.set(b, 50);
    const again = new LocalReadMarkerCopy(storage as unknown as Storage);
    expect([again.get(a), again.get(b), again.get('other' as Topic)]).toEqual([200, 50, 0]);
  });

  it('reads anything malformed as empty and ignores bad values', () => {
    for (const text of ['not json', '[1,2]', 'null', '{"topic-a":"x","topic-b":-4,"c":1.5}']) {
      const storage = new MapStorage();
      storage.items.set('parley:read-markers', text);
      const copy = new LocalReadMarkerCopy(storage as unknown as Storage);
      expect([copy.get(a), copy.get(b)]).toEqual([0, 0]);
    }
    const copy = new LocalReadMarkerCopy(new MapStorage() as unknown as Storage);
    copy.set(a, Number.NaN);
    copy.set(a, 2 ** 60);
    expect(copy.get(a)).toBe(0);
  });

  it('a full storage keeps the marker in memory and does not throw', () => {
    const storage = new MapStorage();
    storage.full = true;
    const copy = new LocalReadMarkerCopy(storage as unknown as Storage);
    expect(() => copy.set(a, 10)).not.toThrow();
    expect(copy.get(a)).toBe(10);
  });

  it('disabled storage neither stops the page nor loses the marker in memory', () => {
    const storage = new MapStorage();
    storage.items.set('parley:read-markers', '{"topic-a":7}');
    storage.disabled = true;
    const copy = new LocalReadMarkerCopy(storage as unknown as Storage);
    expect(copy.get(a)).toBe(0);
    copy.set(a, 10);
    copy.forget(b);
    expect(copy.get(a)).toBe(10);
    expect(storage.items.get('parley:read-markers')).toBe('{"topic-a":7}');
  });

  it('forget drops one conversation, stored too, and keeps the others', () => {
    const storage = new MapStorage();
    const copy = new LocalReadMarkerCopy(storage as unknown as Storage);
    copy.set(a, 10);
    copy.set(b, 20);
    copy.forget(a);
    expect([copy.get(a), copy.get(b)]).toEqual([0, 20]);
    const again = new LocalReadMarkerCopy(storage as unknown as Storage);
    expect([again.get(a), again.get(b)]).toEqual([0, 20]);
    const memory = new MemoryReadMarkerCopy();
    memory.set(a, 4);
    memory.forget(a);
    expect(memory.get(a)).toBe(0);
  });

  it('the memory copy follows the same rule', () => {
    const copy = new MemoryReadMarkerCopy();
    copy.set(a, 5);
    copy.set(a, 3);
    expect(copy.get(a)).toBe(5);
  });
});
