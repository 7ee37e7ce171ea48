/** Drafts: per conversation, coalesced writes, flushed on demand, read back after a restart. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Drafts } from '../../../src/client/drafts.js';
import type { EventId, Topic } from '../../../src/core/ids.js';
import { MemoryDraftCopy } from '../../../src/store/draft-copy.js';
import { MemoryDraftStore, type Draft } from '../../../src/store/draft-store.js';

const A = 'a'.repeat(32) as Topic;
const B = 'b'.repeat(32) as Topic;
const C = 'c'.repeat(32) as Topic;

afterEach(() => vi.useRealTimers());

/** A store whose writes never commit, as IndexedDB's when the page goes away first. */
class CutOffStore extends MemoryDraftStore {
  override put(_topic: Topic, _draft: Draft): Promise<void> {
    return new Promise(() => undefined);
  }
}

describe('Drafts', () => {
  it('keeps one draft per conversation and writes a burst of typing once', async () => {
    vi.useFakeTimers();
    const store = new MemoryDraftStore();
    const put = vi.spyOn(store, 'put');
    const drafts = new Drafts(store);
    for (const text of ['h', 'he', 'hel', 'hello']) drafts.set(A, { text });
    drafts.set(B, { text: 'other', replyTo: 'dev.event1' as EventId });
    expect(await drafts.get(A)).toEqual({ text: 'hello' });
    expect(put).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(300);
    expect(put).toHaveBeenCalledTimes(2);
    // A new instance (a reload) reads them back.
    const again = new Drafts(store);
    expect(await again.get(A)).toEqual({ text: 'hello' });
    expect(await again.get(B)).toEqual({ text: 'other', replyTo: 'dev.event1' });
  });

  it('erase removes a stored draft and a pending write, so neither comes back', async () => {
    vi.useFakeTimers();
    const store = new MemoryDraftStore();
    const drafts = new Drafts(store);
    drafts.set(A, { text: 'stored' });
    drafts.set(B, { text: 'kept' });
    await vi.advanceTimersByTimeAsync(300);
    drafts.set(A, { text: 'stored, then more' });
    await drafts.erase(A);
    await vi.advanceTimersByTimeAsync(300);
    await drafts.flush();
    expect(await store.get(A)).toBeNull();
    expect(await drafts.get(A)).toEqual({ text: '' });
    expect(await store.get(B)).toEqual({ text: 'kept' });
  });

  it('flushes pending drafts on demand, and an emptied draft is removed', async () => {
    const store = new MemoryDraftStore();
    const drafts = new Drafts(store);
    drafts.set(A, { text: 'typed' });
    await drafts.flush();
    expect(await store.get(A)).toEqual({ text: 'typed' });
    drafts.set(A, { text: '' });
    await drafts.flush();
    expect(await store.get(A)).toBeNull();
    drafts.destroy();
  });

  it('a draft whose write has not committed when the page is hidden comes back from the copy, and is then stored', async () => {
    const store = new MemoryDraftStore();
    await store.put(B, { text: 'older, stored' });
    await store.put(C, { text: 'sent: must not come back' });
    const copy = new MemoryDraftCopy();
    const page = new Drafts(new CutOffStore(), undefined, copy);
    page.set(A, { text: 'typed just before a reload' });
    page.set(B, { text: 'newer' });
    page.set(A, { text: '' }, true);
    page.set(A, { text: 'typed again' });
    page.set(C, { text: '' }, true);
    page.hide();
    // The next page, on the same store.
    const next = new Drafts(store, undefined, copy);
    expect(await next.get(A)).toEqual({ text: 'typed again' });
    expect(await next.get(B)).toEqual({ text: 'newer' });
    expect(await next.get(C)).toEqual({ text: '' });
    await vi.waitFor(async () => expect(await store.get(B)).toEqual({ text: 'newer' }));
    expect(await store.get(C)).toBeNull();
    expect(await store.get(A)).toEqual({ text: 'typed again' });
    // Taken once: a third page finds no copy.
    expect(copy.take().size).toBe(0);
  });

  it('copies only drafts not yet committed, and forgets them as their writes commit', async () => {
    const store = new MemoryDraftStore();
    const copy = new MemoryDraftCopy();
    const keep = vi.spyOn(copy, 'keep');
    const drafts = new Drafts(store, undefined, copy);
    drafts.set(A, { text: 'committed' });
    await drafts.flush();
    drafts.set(B, { text: 'pending' });
    drafts.hide();
    expect([...keep.mock.calls[0]![0]]).toEqual([[B, { text: 'pending' }]]);
    // B's write commits: an older text must not come back from the copy after a crash.
    await vi.waitFor(() => expect(keep).toHaveBeenCalledTimes(2));
    expect(keep.mock.calls[1]![0].size).toBe(0);
    expect(copy.take().size).toBe(0);
  });
});
