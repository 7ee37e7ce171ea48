/**
 * This device's media rules (docs/architecture.md §14.7): the per-conversation budget counts
 * what each conversation's files take here, the rules persist in the settings store, and a
 * bad value is refused without changing the stored one.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUDGET_BYTES, MediaRules, storedSize } from '../../../src/client/files/media-rules.js';
import type { Topic } from '../../../src/core/ids.js';
import { MemoryChunkStore, type StoredFile } from '../../../src/store/chunk-store.js';

const A = 'a'.repeat(32) as Topic;
const B = 'b'.repeat(32) as Topic;
const record = (root: string, conversation: Topic, bytes: number, sent: boolean): StoredFile => ({
  root, conversation, event: '', name: `${root}.bin`, type: 'application/octet-stream', size: bytes, chunk: 65_536, bytes, complete: true, sent, at: 0,
});

describe('media rules', () => {
  it('counts each conversation apart and refuses a file that would pass the budget', async () => {
    const store = new MemoryChunkStore();
    await store.putFile(record('r1', A, 3_000_000, true));
    await store.putFile(record('r2', A, 1_000_000, false));
    await store.putFile(record('r3', B, 500_000, false));
    const rules = new MediaRules(store);
    await rules.load();
    expect(rules.budgetBytes).toBe(DEFAULT_BUDGET_BYTES);
    await rules.setBudgetBytes(5_000_000);
    expect(await rules.used(A)).toBe(4_000_000);
    expect(await rules.usage()).toEqual(new Map([[A, { sent: 3_000_000, downloaded: 1_000_000 }], [B, { sent: 0, downloaded: 500_000 }]]));
    const small = { size: 900_000, chunk: 65_536, root: 'new1' };
    const large = { size: 1_000_000, chunk: 65_536, root: 'new2' };
    expect(storedSize(small)).toBe(900_000 + 14 * 16);
    expect(await rules.fits(A, small)).toBe(true);
    expect(await rules.fits(A, large)).toBe(false);
    expect(await rules.fits(B, large)).toBe(true);
    // A file partly stored already is not counted twice.
    expect(await rules.fits(A, { size: 1_000_000, chunk: 65_536, root: 'r2' })).toBe(true);
  });

  it('keeps the rules across instances, and refuses a value that is not a size', async () => {
    const store = new MemoryChunkStore();
    const rules = new MediaRules(store);
    await rules.setBudgetBytes(7_000_000);
    await rules.setAutoDownloadBytes(1_000_000);
    await expect(rules.setBudgetBytes(-1)).rejects.toThrow(RangeError);
    await expect(rules.setAutoDownloadBytes(1.5)).rejects.toThrow(RangeError);
    const again = new MediaRules(store);
    await again.load();
    expect(again.budgetBytes).toBe(7_000_000);
    expect(again.autoDownloadBytes).toBe(1_000_000);
    expect(again.downloadsItself({ size: 2_000_000 }, false)).toBe(false);
    expect(again.downloadsItself({ size: 2_000_000 }, true)).toBe(true);
  });
});
