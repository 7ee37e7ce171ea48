/**
 * The chunk store contract (docs/architecture.md §14.3): the same cases run in Node against
 * `MemoryChunkStore` and in Chromium against `IdbChunkStore`. No test-runner imports.
 */
import type { Topic } from '../../src/core/ids.js';
import type { ChunkStore, StoredFile } from '../../src/store/chunk-store.js';
import { fileRecord } from '../helpers/file-record.js';

export interface ChunkStoreCase {
  readonly name: string;
  run(store: ChunkStore): Promise<void>;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const T1 = '00000000000000000000000000000001' as Topic;
const T2 = '00000000000000000000000000000002' as Topic;

const record = (root: string, conversation: Topic = T1, extra: Partial<StoredFile> = {}): StoredFile => fileRecord(root, { conversation, ...extra });

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
const same = (a: Uint8Array | null, b: Uint8Array): boolean => a !== null && a.length === b.length && a.every((x, i) => x === b[i]);

export const chunkStoreCases: readonly ChunkStoreCase[] = [
  {
    name: 'stores a record, its hash list and chunks, and counts the bytes',
    async run(store) {
      check((await store.file('r1')) === null, 'no record yet');
      await store.putFile(record('r1'));
      await store.putHashes('r1', bytes(64, 1));
      await store.putChunks('r1', [
        { index: 0, bytes: bytes(10, 2) },
        { index: 1, bytes: bytes(20, 3) },
      ]);
      check(same(await store.hashes('r1'), bytes(64, 1)), 'hash list back');
      check(same(await store.chunk('r1', 1), bytes(20, 3)), 'chunk 1 back');
      check((await store.chunk('r1', 2)) === null, 'absent chunk is null');
      check((await store.file('r1'))?.bytes === 30, 'bytes counted');
      check([...(await store.indices('r1'))].sort().join() === '0,1', 'indices');
    },
  },
  {
    name: 'reads several chunks at once, in the order asked, null where one is missing',
    async run(store) {
      await store.putFile(record('r1'));
      await store.putChunks('r1', [
        { index: 0, bytes: bytes(10, 2) },
        { index: 1, bytes: bytes(20, 3) },
        { index: 3, bytes: bytes(5, 4) },
      ]);
      const got = await store.chunks('r1', [3, 2, 0, 1]);
      check(got.length === 4, 'one answer per index');
      check(same(got[0]!, bytes(5, 4)) && got[1] === null && same(got[2]!, bytes(10, 2)) && same(got[3]!, bytes(20, 3)), 'chunks in the order asked');
      const run = await store.chunks('r1', [1, 2, 3, 4]);
      check(same(run[0]!, bytes(20, 3)) && run[1] === null && same(run[2]!, bytes(5, 4)) && run[3] === null, 'a run with gaps');
      const sparse = await store.chunks('r1', [40, 0]);
      check(sparse[0] === null && same(sparse[1]!, bytes(10, 2)), 'indices far apart');
      await store.putFile(record('r0'));
      await store.putChunks('r0', [{ index: 2, bytes: bytes(7, 9) }]);
      check((await store.chunks('r1', [2, 1])).every((c, k) => (k === 0 ? c === null : same(c!, bytes(20, 3)))), "another file's chunks never answer");
      check((await store.chunks('r2', [0])).every((c) => c === null), 'an unknown file has none');
      check((await store.chunks('r1', [])).length === 0, 'nothing asked, nothing read');
    },
  },
  {
    name: 'replacing a record keeps the stored byte count',
    async run(store) {
      await store.putFile(record('r1'));
      await store.putChunks('r1', [{ index: 0, bytes: bytes(10, 2) }]);
      await store.putFile(record('r1', T1, { complete: true, bytes: 0 }));
      const f = await store.file('r1');
      check(f?.complete === true && f.bytes === 10, `record replaced, bytes kept: ${JSON.stringify(f)}`);
    },
  },
  {
    name: 'lists files per conversation and removes one file entirely',
    async run(store) {
      await store.putFile(record('r1', T1));
      await store.putFile(record('r2', T2));
      await store.putFile(record('r3', T1));
      await store.putChunks('r1', [{ index: 0, bytes: bytes(5, 1) }]);
      await store.putChunks('r3', [{ index: 0, bytes: bytes(5, 1) }]);
      check((await store.files(T1)).map((f) => f.root).sort().join() === 'r1,r3', 'per conversation');
      check((await store.files()).length === 3, 'all');
      await store.remove('r1');
      check((await store.file('r1')) === null && (await store.chunk('r1', 0)) === null && (await store.indices('r1')).size === 0, 'r1 gone');
      check(same(await store.chunk('r3', 0), bytes(5, 1)), 'r3 untouched');
    },
  },
  {
    name: 'keys chunks by file: indices of one file never show in another whose root is a prefix',
    async run(store) {
      await store.putFile(record('ab'));
      await store.putFile(record('abc'));
      await store.putChunks('ab', [{ index: 0, bytes: bytes(1, 1) }]);
      await store.putChunks('abc', [{ index: 7, bytes: bytes(1, 1) }]);
      check([...(await store.indices('ab'))].join() === '0', 'ab');
      check([...(await store.indices('abc'))].join() === '7', 'abc');
    },
  },
  {
    name: 'amends a record (complete, its key), keeping the rest; a removed file stays removed',
    async run(store) {
      await store.putFile(record('r1', T2, { name: 'kept.bin' }));
      await store.putChunks('r1', [{ index: 0, bytes: bytes(9, 1) }]);
      await store.amendFile('r1', { key: 'the-key' });
      await store.amendFile('r1', { complete: true });
      const marked = await store.file('r1');
      check(marked?.complete === true && marked.key === 'the-key' && marked.name === 'kept.bin' && marked.conversation === T2 && marked.bytes === 9, 'amended, the rest kept');
      await store.remove('r1');
      await store.amendFile('r1', { complete: true });
      await store.amendFile('r1', { key: 'the-key' });
      check((await store.file('r1')) === null, 'no record brought back');
      check((await store.files(T2)).length === 0, 'none listed');
    },
  },
  {
    name: 'stores no chunks or hash list for a file with no record (removed while a batch was on its way), and counts a chunk stored twice once',
    async run(store) {
      await store.putFile(record('r1'));
      await store.putChunks('r1', [{ index: 0, bytes: bytes(10, 1) }]);
      await store.remove('r1');
      await store.putChunks('r1', [{ index: 1, bytes: bytes(10, 2) }]);
      await store.putHashes('r1', bytes(64, 1));
      check((await store.indices('r1')).size === 0 && (await store.chunk('r1', 1)) === null, 'a late batch stored nothing');
      check((await store.hashes('r1')) === null, 'nor a late hash list');
      check((await store.file('r1')) === null, 'and brought no record back');
      await store.putFile(record('r2'));
      await store.putChunks('r2', [
        { index: 0, bytes: bytes(10, 1) },
        { index: 1, bytes: bytes(20, 2) },
      ]);
      await store.putChunks('r2', [
        { index: 1, bytes: bytes(20, 2) },
        { index: 2, bytes: bytes(5, 3) },
      ]);
      check((await store.file('r2'))?.bytes === 35, `each chunk counted once: ${(await store.file('r2'))?.bytes}`);
    },
  },
  {
    name: 'settings round-trip',
    async run(store) {
      check((await store.setting('auto')) === undefined, 'unset');
      await store.putSetting('auto', { images: true, otherMb: 5 });
      const back = await store.setting<{ images: boolean; otherMb: number }>('auto');
      check(back?.images === true && back.otherMb === 5, 'set');
    },
  },
];
