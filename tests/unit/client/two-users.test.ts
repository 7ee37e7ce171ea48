/**
 * The opening worker frees a sealed chunk's buffer once its write and the opener are both
 * done with it (docs/architecture.md §14.5), and never before, nor one it did not receive.
 */
import { describe, expect, it } from 'vitest';
import { TwoUsers } from '../../../src/client/files/two-users.js';

const chunk = (index: number): { index: number; bytes: Uint8Array<ArrayBuffer> } => ({ index, bytes: new Uint8Array(1024).fill(index) });

describe('TwoUsers', () => {
  it('frees a buffer when the second of its write and the opener is done, in either order', async () => {
    const users = new TwoUsers();
    const [a, b] = [chunk(0), chunk(1)];
    users.arrived([a, b]);
    const read = users.reading(async (i) => [a.bytes, b.bytes][i] ?? null);
    // Written first, then read: still whole until the opener asks for the next chunk.
    users.doneWith(0, a.bytes.buffer);
    expect(a.bytes.byteLength).toBe(1024);
    expect((await read(0))![5]).toBe(0);
    expect(a.bytes.byteLength).toBe(1024);
    // Read first, then written.
    expect((await read(1))![5]).toBe(1);
    expect(a.bytes.byteLength).toBe(0);
    expect(b.bytes.byteLength).toBe(1024);
    await read(2);
    expect(b.bytes.byteLength).toBe(1024);
    users.doneWith(1, b.bytes.buffer);
    expect(b.bytes.byteLength).toBe(0);
  });

  it('leaves alone a chunk that did not arrive here, and one the opener read back from the store', async () => {
    const users = new TwoUsers();
    const stored = chunk(0);
    const arrived = chunk(1);
    const readBack = chunk(1);
    users.arrived([arrived]);
    const read = users.reading(async (i) => [stored.bytes, readBack.bytes][i] ?? null);
    await read(0);
    await read(1);
    await read(2);
    users.doneWith(0, stored.bytes.buffer);
    users.doneWith(1, arrived.bytes.buffer);
    expect([stored.bytes.byteLength, arrived.bytes.byteLength, readBack.bytes.byteLength]).toEqual([1024, 1024, 1024]);
  });
});
