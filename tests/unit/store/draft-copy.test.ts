import { describe, expect, it } from 'vitest';
import type { EventId, Topic } from '../../../src/core/ids.js';
import { LocalDraftCopy } from '../../../src/store/draft-copy.js';
import { MapStorage } from '../../helpers/map-storage.js';

const a = 'topic-a' as Topic;
const b = 'topic-b' as Topic;
const KEY = 'parley:unsaved-drafts';

describe('draft copy', () => {
  it('gives back what a page kept, once', () => {
    const storage = new MapStorage();
    new LocalDraftCopy(storage as unknown as Storage).keep(
      new Map([
        [a, { text: 'half a thought', replyTo: 'dev.event1' as EventId }],
        [b, { text: '' }],
      ]),
    );
    const next = new LocalDraftCopy(storage as unknown as Storage);
    expect([...next.take()]).toEqual([
      [a, { text: 'half a thought', replyTo: 'dev.event1' }],
      [b, { text: '' }],
    ]);
    expect(next.take().size).toBe(0);
    expect(storage.items.has(KEY)).toBe(false);
  });

  it('keeping nothing removes the copy', () => {
    const storage = new MapStorage();
    const copy = new LocalDraftCopy(storage as unknown as Storage);
    copy.keep(new Map([[a, { text: 'x' }]]));
    copy.keep(new Map());
    expect(storage.items.has(KEY)).toBe(false);
  });

  it('reads anything malformed as empty and skips bad drafts', () => {
    for (const text of ['not json', '[1,2]', 'null', '{"topic-a":"x","topic-b":{"text":3},"c":{"text":"t","replyTo":7}}']) {
      const storage = new MapStorage();
      storage.items.set(KEY, text);
      expect(new LocalDraftCopy(storage as unknown as Storage).take().size).toBe(0);
    }
    const storage = new MapStorage();
    storage.items.set(KEY, '{"topic-a":{"text":"kept","extra":1},"topic-b":5}');
    expect([...new LocalDraftCopy(storage as unknown as Storage).take()]).toEqual([[a, { text: 'kept' }]]);
  });

  it('a full storage does not throw', () => {
    const storage = new MapStorage();
    storage.full = true;
    expect(() => new LocalDraftCopy(storage as unknown as Storage).keep(new Map([[a, { text: 'x' }]]))).not.toThrow();
  });

  it('a disabled storage reads as no copy and takes nothing away', () => {
    const storage = new MapStorage();
    storage.items.set(KEY, '{"topic-a":{"text":"kept"}}');
    storage.disabled = true;
    const copy = new LocalDraftCopy(storage as unknown as Storage);
    expect(copy.take().size).toBe(0);
    expect(() => copy.keep(new Map([[a, { text: 'x' }]]))).not.toThrow();
    expect(storage.items.get(KEY)).toBe('{"topic-a":{"text":"kept"}}');
  });
});
