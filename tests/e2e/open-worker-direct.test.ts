/**
 * The opening worker takes a fetch's checked chunks from two sides (docs/architecture.md §14.2,
 * "Worker to worker"): from the bulk worker over a port, gathered into writes of 1 MiB or
 * 50 ms, and from the page in batches. The page ends the worker as soon as it answers with the
 * file, so every chunk that came must be written by then; and a chunk that comes twice (two
 * links, a resending member) is written and reported once. Real Chromium, the worker as Vite
 * built it, the real IndexedDB; this test plays the page and the bulk worker
 * (`tests/fixtures/open-worker-probe.ts`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sealFile } from '../../src/core/files/seal-file.js';
import type { Driven, Step } from '../fixtures/open-worker-probe.js';
import { fileRecord } from '../helpers/file-record.js';
import { useHarness } from '../helpers/harness-page.js';

const harness = useHarness('tests/fixtures/open-worker-probe.ts', 'probe');

/** A file of six 64 KiB chunks (the last one short), sealed as a sender seals it. */
async function sealedFile(): Promise<{ plain: Buffer; ref: { size: number; chunk: number; sha256: string; type: string; key: string; root: string }; sealed: string[] }> {
  const plain = randomBytes(5 * 65_536 + 1234);
  const sealed: string[] = [];
  const fields = await sealFile(plain.length, {
    read: async (offset, length) => new Uint8Array(plain.subarray(offset, offset + length)),
    put: async (i, bytes) => void (sealed[i] = Buffer.from(bytes).toString('base64')),
    putHashes: async () => undefined,
  });
  return { plain, ref: { ...fields, type: 'application/octet-stream' }, sealed };
}

async function drive(steps: readonly Step[]): Promise<Driven & { plain: string }> {
  const script = readdirSync('dist/assets/wasm-workers').find((name) => /^open-worker-.*\.js$/.test(name));
  expect(script, 'the built opening worker').toBeDefined();
  const { plain, ref, sealed } = await sealedFile();
  const page = await harness.page();
  const file = fileRecord(ref.root, { size: ref.size, chunk: ref.chunk });
  const shape = { size: ref.size, chunk: ref.chunk, sha256: ref.sha256, type: ref.type, key: ref.key };
  const driven = await page.evaluate(
    ([url, file, shape, sealed, steps]) =>
      (window as unknown as { probe: { drive: (...args: unknown[]) => Promise<Driven> } }).probe.drive(url, 'probe-files', file, shape, sealed, steps),
    [`/assets/wasm-workers/${script}`, file, shape, sealed, steps] as const,
  );
  await page.context().close();
  return { ...driven, plain: createHash('sha256').update(plain).digest('hex') };
}

describe('the opening worker, fed by the bulk worker and by the page', () => {
  it('when the file\'s last chunk comes from the page, the chunks from the bulk worker still gathering are written before it answers', async () => {
    // Chunk 0 over the port, written; 1-4 over the port (they wait for a write of 1 MiB or
    // 50 ms); then the last one from the page (a link that sends in-band: a relay, a link's
    // first file before its bulk channel is up).
    const { heard, stored, plain } = await drive([{ port: [0] }, { stored: 0 }, { port: [1, 2, 3, 4] }, { page: [5] }]);
    expect(heard.at(-1), JSON.stringify(heard)).toEqual({ blob: plain });
    // Ended on its answer, as the page ends it: the whole file is stored.
    expect(stored, JSON.stringify(heard)).toEqual([0, 1, 2, 3, 4, 5]);
    // And the page heard each stored: those from the port by index, the page's batch by number.
    expect(heard.flatMap((h) => ('direct' in h ? h.direct : [])).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(heard.filter((h) => 'batch' in h)).toEqual([{ batch: 0 }]);
  });

  it('a chunk that comes twice over the port is written and reported once', async () => {
    const { heard, stored, plain } = await drive([{ port: [0] }, { port: [0, 1] }, { stored: 1 }, { port: [1, 2, 3, 4, 5] }]);
    expect(heard.at(-1), JSON.stringify(heard)).toEqual({ blob: plain });
    expect(stored).toEqual([0, 1, 2, 3, 4, 5]);
    expect(heard.flatMap((h) => ('direct' in h ? h.direct : [])).sort(), JSON.stringify(heard)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
