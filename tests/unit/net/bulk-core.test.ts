/**
 * The bulk worker's checks (docs/architecture.md §14.2, "The bulk channel"; docs/protocol.md
 * §8.1): every frame from the network is size-capped and validated before it touches state,
 * a chunk is taken only for a file and link the page announced, the ready handshake, and a
 * link that floods the hash checks is dropped. The real BulkCore over fake channels.
 */
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../../src/core/bytes.js';
import { BulkCore, type FromBulkWorker } from '../../../src/net/files/bulk-core.js';
import { decodeBulkFrame, encodeBulkData, encodeReady, MAX_BULK_FRAME } from '../../../src/net/files/bulk-wire.js';
import { SENDER_BYTE_BUDGET } from '../../../src/core/files/file-ref.js';
import { ChunkGate } from '../../../src/net/files/chunk-gate.js';
import { fileOf } from '../../contracts/data-path-contract.js';
import { FakeBulkChannel } from '../../helpers/fake-bulk.js';

const ROOT = toBase64Url(new Uint8Array(32).fill(7));
const OTHER = toBase64Url(new Uint8Array(32).fill(9));
const CHUNK = 64 * 1024;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function core(): { core: BulkCore; channel: FakeBulkChannel; heard: FromBulkWorker[] } {
  const heard: FromBulkWorker[] = [];
  const c = new BulkCore((m) => heard.push(m));
  const channel = new FakeBulkChannel();
  c.handle({ t: 'open', lane: 1, channel });
  channel.open();
  return { core: c, channel, heard };
}

describe('bulk frames', () => {
  it('decodes what it encodes and refuses anything malformed or over the cap', () => {
    const bytes = new Uint8Array(100).fill(3);
    const frame = decodeBulkFrame(encodeBulkData(ROOT, 5, bytes)!);
    expect(frame).toMatchObject({ type: 'data', root: ROOT, index: 5 });
    expect(frame.type === 'data' && [...frame.bytes]).toEqual([...bytes]);
    expect(decodeBulkFrame(encodeReady(true))).toEqual({ type: 'ready', version: 1, seen: true });
    expect(encodeBulkData(ROOT, 0, new Uint8Array(MAX_BULK_FRAME))).toBeNull();
    const bad: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['over the cap', new Uint8Array(MAX_BULK_FRAME + 1).fill(1)],
      ['unknown type', new Uint8Array([7, 1, 0])],
      ['ready of the wrong length', new Uint8Array([0, 1, 0, 0])],
      ['ready with a bad flag', new Uint8Array([0, 1, 2])],
      ['data too short', new Uint8Array([1, ...new Uint8Array(32)])],
      ['a hash list on the bulk channel', new Uint8Array([1, ...new Uint8Array(32), 0, 0, 1])],
      ['index out of range', new Uint8Array([1, ...new Uint8Array(32), 1, 0x80, 0x80, 0x04, 1])],
      ['no chunk bytes', new Uint8Array([1, ...new Uint8Array(32), 1, 3])],
      ['a truncated index', new Uint8Array([1, ...new Uint8Array(32), 1, 0x80])],
    ];
    for (const [what, message] of bad) expect(() => decodeBulkFrame(message), what).toThrow(/bulk|ready|chunk|index|short/);
  });
});

describe('the bulk worker', () => {
  it('says ready when its channel opens, answers a first ready, and reports the remote ready once', async () => {
    const { channel, heard } = core();
    expect(channel.sent.map((m) => [...m])).toEqual([[0, 1, 0]]);
    channel.receive(encodeReady(false).buffer);
    expect(channel.sent.map((m) => [...m])).toEqual([
      [0, 1, 0],
      [0, 1, 1],
    ]);
    channel.receive(encodeReady(true).buffer);
    expect(heard).toEqual([{ t: 'ready', lane: 1 }]);
    // A ready of another version is not this worker's language: the lane stays in-band.
    const other = core();
    other.channel.receive(new Uint8Array([0, 2, 1]).buffer);
    expect(other.heard).toEqual([]);
  });

  it('drops a lane whose remote sends a frame that is not binary, malformed or over the cap, before anything else', async () => {
    for (const data of ['text', new Uint8Array([9, 9, 9]).buffer, new ArrayBuffer(MAX_BULK_FRAME + 1)]) {
      const { channel, heard } = core();
      channel.receive(data);
      expect(heard).toEqual([expect.objectContaining({ t: 'bad', lane: 1, reason: 'bad-file-frame' })]);
      expect(channel.readyState).toBe('closed');
      // Nothing after the fault is taken.
      channel.receive(encodeReady(true).buffer);
      expect(heard).toHaveLength(1);
    }
  });

  it('takes a chunk of a file the page fetches, checks it, and batches checked chunks to the page', async () => {
    const { file: { hashes }, sealed } = await fileOf(3);
    const { core: c, channel, heard } = core();
    c.handle({ t: 'file', root: ROOT, file: { hashes, size: 3 * CHUNK, chunk: CHUNK } });
    channel.receive(encodeBulkData(ROOT, 0, sealed[0]!)!.buffer);
    channel.receive(encodeBulkData(ROOT, 1, sealed[1]!)!.buffer);
    const checked = (): Array<{ index: number; bytes: Uint8Array }> => heard.flatMap((m) => (m.t === 'chunks' ? m.chunks : []));
    await until(() => checked().length === 2, 'checked chunks');
    const chunks = checked();
    // Hash checks run side by side and may finish in either order; the fetch keeps chunks by index.
    expect(chunks.map((c) => c.index).sort()).toEqual([0, 1]);
    expect(chunks.every((c) => c.bytes.byteOffset === 0 && c.bytes.byteLength === c.bytes.buffer.byteLength)).toBe(true);
    // A wrong chunk: the lane is reported and closed.
    channel.receive(encodeBulkData(ROOT, 2, sealed[0]!)!.buffer);
    await until(() => heard.some((m) => m.t === 'bad'), 'a fault');
    expect(heard.at(-1)).toMatchObject({ t: 'bad', reason: 'bad-file-chunk', detail: 'chunk 2 does not match its hash' });
  });

  it('sends the checked chunks of a file with a port to that port, bytes moved, and tells the page only their indices; a bad chunk is still the lane\'s fault', async () => {
    const { file: { hashes }, sealed } = await fileOf(4);
    const { core: c, channel, heard } = core();
    c.handle({ t: 'file', root: ROOT, file: { hashes, size: 4 * CHUNK, chunk: CHUNK } });
    // A real MessageChannel, as between the page's bulk worker and a fetch's opening worker.
    const { port1, port2 } = new MessageChannel();
    const opened: Array<{ lane: number; chunks: Array<{ index: number; bytes: Uint8Array }> }> = [];
    port2.onmessage = (e: MessageEvent<(typeof opened)[number]>) => void opened.push(e.data);
    c.handle({ t: 'direct', root: ROOT, port: port1 });
    channel.receive(encodeBulkData(ROOT, 0, sealed[0]!)!.buffer);
    channel.receive(encodeBulkData(ROOT, 1, sealed[1]!)!.buffer);
    const atOpener = (): Array<{ index: number; bytes: Uint8Array }> => opened.flatMap((m) => m.chunks);
    await until(() => atOpener().length === 2, 'chunks at the opening worker');
    expect(atOpener().map((x) => x.index).sort()).toEqual([0, 1]);
    for (const { index, bytes } of atOpener()) expect(Buffer.from(bytes).equals(Buffer.from(sealed[index]!))).toBe(true);
    // The page hears which chunks came, and no bytes.
    expect(heard.some((m) => m.t === 'chunks')).toBe(false);
    expect(heard.flatMap((m) => (m.t === 'checked' ? m.indices : [])).sort()).toEqual([0, 1]);
    expect(heard.every((m) => m.t !== 'checked' || (m.lane === 1 && m.root === ROOT))).toBe(true);
    // Back to the page once the opening worker is gone (`direct` with no port): the bytes come with them.
    c.handle({ t: 'direct', root: ROOT, port: null });
    channel.receive(encodeBulkData(ROOT, 2, sealed[2]!)!.buffer);
    await until(() => heard.some((m) => m.t === 'chunks'), 'a chunk at the page');
    expect(heard.flatMap((m) => (m.t === 'chunks' ? m.chunks.map((x) => x.index) : []))).toEqual([2]);
    // A wrong chunk never reaches the opening worker: the lane is reported and closed.
    const again = new MessageChannel();
    again.port2.onmessage = (e: MessageEvent<(typeof opened)[number]>) => void opened.push(e.data);
    c.handle({ t: 'direct', root: ROOT, port: again.port1 });
    channel.receive(encodeBulkData(ROOT, 3, sealed[0]!)!.buffer);
    await until(() => heard.some((m) => m.t === 'bad'), 'a fault');
    expect(heard.at(-1)).toMatchObject({ t: 'bad', reason: 'bad-file-chunk', detail: 'chunk 3 does not match its hash' });
    await new Promise((r) => setTimeout(r, 20));
    expect(atOpener().map((x) => x.index).sort()).toEqual([0, 1]);
    port2.close();
    again.port2.close();
  });

  it('reports a chunk of a file the page does not fetch, and ignores one of a file it stopped fetching', async () => {
    const { file: { hashes }, sealed } = await fileOf(2);
    const a = core();
    a.core.handle({ t: 'file', root: ROOT, file: { hashes, size: 2 * CHUNK, chunk: CHUNK } });
    a.core.handle({ t: 'forget', root: ROOT });
    a.core.handle({ t: 'file', root: OTHER, file: { hashes, size: 2 * CHUNK, chunk: CHUNK } });
    a.channel.receive(encodeBulkData(ROOT, 0, sealed[0]!)!.buffer);
    a.channel.receive(encodeBulkData(OTHER, 1, sealed[1]!)!.buffer);
    await until(() => a.heard.some((m) => m.t === 'chunks'), 'the chunk of the announced file');
    expect(a.heard.filter((m) => m.t !== 'ready')).toEqual([{ t: 'chunks', lane: 1, root: OTHER, chunks: [expect.objectContaining({ index: 1 })] }]);
    // A file the page never named: the worker serves one page, which fetches nothing of it.
    const c = core();
    c.channel.receive(encodeBulkData(OTHER, 0, sealed[0]!)!.buffer);
    expect(c.heard).toEqual([{ t: 'bad', lane: 1, reason: 'bad-file-chunk', detail: 'a chunk nobody asked for' }]);
  });

  it('sends what the page hands it only while the channel holds less than its high water, and the rest on low water', () => {
    const { core: c, channel } = core();
    channel.sent.length = 0;
    channel.bufferedAmount = 2 * 1024 * 1024;
    c.handle({ t: 'send', lane: 1, frame: encodeBulkData(ROOT, 0, new Uint8Array(10))! });
    expect(channel.sent).toHaveLength(0);
    channel.bufferedAmount = 0;
    channel.dispatchEvent(new Event('bufferedamountlow'));
    expect(channel.sent).toHaveLength(1);
  });

  it('keeps at most three 64 KiB chunks waiting in the channel, so a new association never gets a burst of a megabyte', () => {
    const { core: c, channel } = core();
    channel.sent.length = 0;
    // The fake channel counts what is handed to it and not yet sent, as a data channel does.
    const send = channel.send.bind(channel);
    channel.send = (data) => {
      send(data);
      channel.bufferedAmount += data.length;
    };
    for (let i = 0; i < 6; i++) c.handle({ t: 'send', lane: 1, frame: encodeBulkData(ROOT, i, new Uint8Array(64 * 1024 + 16))! });
    expect(channel.sent).toHaveLength(3);
    expect(channel.bufferedAmountLowThreshold).toBe(64 * 1024);
    channel.bufferedAmount = 64 * 1024;
    channel.dispatchEvent(new Event('bufferedamountlow'));
    expect(channel.sent).toHaveLength(5);
  });
});

describe('the chunk gate', () => {
  it('drops a link with more chunk bytes waiting for their check than twice a window', async () => {
    const { file: { hashes } } = await fileOf(1);
    const faults: string[] = [];
    const gate = new ChunkGate<string>({ checked: () => undefined, bad: (_k, reason, detail) => void faults.push(`${reason}: ${detail}`) }, { unknown: 'fault', perKey: true });
    gate.file(ROOT, { hashes, size: 256 * 1024 * 200, chunk: 256 * 1024 });
    gate.announce('link', ROOT);
    const big = new Uint8Array(256 * 1024 + 16);
    // All in one task: none of their hash checks can have finished.
    for (let i = 0; i <= SENDER_BYTE_BUDGET / big.length; i++) gate.take('link', ROOT, i, big);
    expect(faults).toEqual([`bad-file-frame: more than ${SENDER_BYTE_BUDGET} bytes of chunks waiting`]);
  });
});
