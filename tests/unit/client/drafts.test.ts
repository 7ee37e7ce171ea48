/** Drafts: per conversation, coalesced writes, flushed on demand, read back after a restart. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Drafts } from '../../../src/client/drafts.js';
import type { EventId, Topic } from '../../../src/core/ids.js';
import { MemoryDraftStore } from '../../../src/store/draft-store.js';

const A = 'a'.repeat(32) as Topic;
const B = 'b'.repeat(32) as Topic;

afterEach(() => vi.useRealTimers());

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
});
