/**
 * File transfer over the mesh (docs/architecture.md §14.2): real accounts, hellos, membership
 * proofs, link lanes and backpressure, real crypto; only the network is in memory. The same
 * transfer over real WebRTC in Chromium is covered by tests/e2e/files.test.ts.
 */
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { accountHandshake } from '../../../src/client/account-handshake.js';
import { storeHolder, storeSink } from '../../../src/client/files/store-adapters.js';
import { randomBytes } from '../../../src/core/bytes.js';
import { chunkCount, chunksIn, DEFAULT_CHUNK, type FileRef } from '../../../src/core/files/file-ref.js';
import { openFile } from '../../../src/core/files/open-file.js';
import { sealFile } from '../../../src/core/files/seal-file.js';
import type { Topic } from '../../../src/core/ids.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { deriveConversationKeys, type ConversationKeys } from '../../../src/core/keys.js';
import type { Logger } from '../../../src/core/logger.js';
import { FileExchange } from '../../../src/net/files/file-exchange.js';
import type { FileFetch } from '../../../src/net/files/file-fetch.js';
import { Mesh } from '../../../src/net/mesh.js';
import type { Account } from '../../../src/store/types.js';
import { MemoryChunkStore, type ChunkStore } from '../../../src/store/chunk-store.js';
import { MemorySignalingHub, MemoryWebRtc } from '../../helpers/memory-signaling.js';
import { memberDoc, testAccount } from '../../helpers/signed-docs.js';

interface Node {
  readonly name: string;
  readonly account: Account;
  readonly mesh: Mesh;
  readonly store: ChunkStore;
  readonly files: FileExchange;
  readonly warnings: string[];
}

const cleanup: Array<() => void> = [];
const nodes: Node[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(nodes.map((n) => [n.name, n.mesh.linkCount, n.warnings]))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function node(hub: MemorySignalingHub, net: MemoryWebRtc, keys: ConversationKeys, name: string, store: ChunkStore = new MemoryChunkStore()): Promise<Node> {
  const account = await testAccount(name);
  const warnings: string[] = [];
  const logger: Logger = { info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  const mesh = new Mesh({
    signaling: hub.port().connect(),
    createTransport: net.factory,
    handshake: accountHandshake(() => account, new VerifyKeyCache()),
    logger,
    reannounceMs: 300,
    connectTimeoutMs: 3_000,
    relay: false,
  }).start();
  const files = new FileExchange({ mesh, holder: storeHolder(store), logger }).start();
  cleanup.push(() => {
    files.destroy();
    mesh.destroy();
  });
  const made = { name, account, mesh, store, files, warnings };
  await join(made, keys);
  nodes.push(made);
  return made;
}

/** A fresh network and conversation for one test. */
async function stage(): Promise<{ hub: MemorySignalingHub; net: MemoryWebRtc; keys: ConversationKeys }> {
  return { hub: new MemorySignalingHub(), net: new MemoryWebRtc(), keys: await deriveConversationKeys(randomBytes(32)) };
}

/** Random bytes (getRandomValues gives at most 64 KiB per call). */
async function join(n: Node, keys: ConversationKeys): Promise<void> {
  const synced = await memberDoc(n.account);
  const awareness = new Awareness(new Y.Doc());
  awareness.setLocalState({ device: n.account.device.id, name: n.name });
  n.mesh.addRoom(keys.topic, keys, synced.doc, awareness, synced.policy);
}

function bytesOf(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let at = 0; at < size; at += 65_536) out.set(randomBytes(Math.min(65_536, size - at)), at);
  return out;
}

/** A store that, once `evil`, hands out every chunk with its bits flipped. */
class EvilStore extends MemoryChunkStore {
  evil = false;
  override async chunk(root: string, index: number): Promise<Uint8Array | null> {
    const bytes = await super.chunk(root, index);
    return bytes && this.evil ? bytes.map((b) => b ^ 0x5a) : bytes;
  }
  override async chunks(root: string, indices: readonly number[]): Promise<Array<Uint8Array | null>> {
    return Promise.all(indices.map((i) => this.chunk(root, i)));
  }
}

/** A holder that can stop answering for later chunks: one that goes away part-way, whatever the window. */
class StallingStore extends MemoryChunkStore {
  /** Chunks from this index on are never read. */
  stallFrom = Infinity;
  override async chunks(root: string, indices: readonly number[]): Promise<Array<Uint8Array | null>> {
    if (indices.some((i) => i >= this.stallFrom)) return new Promise(() => {});
    return super.chunks(root, indices);
  }
}

/** Seals `plain` into a node's store as a file it sent in `topic`. */
async function send(n: Node, topic: Topic, plain: Uint8Array): Promise<FileRef & { key: string }> {
  let root = '';
  const chunks: Array<{ index: number; bytes: Uint8Array }> = [];
  let hashes: Uint8Array = new Uint8Array();
  const fields = await sealFile(plain.length, {
    read: async (o, l) => plain.slice(o, o + l),
    put: async (index, bytes) => void chunks.push({ index, bytes }),
    putHashes: async (h) => void (hashes = h),
  });
  root = fields.root;
  const ref = { name: 'f.bin', type: 'application/octet-stream', ...fields };
  await n.store.putFile({ root, conversation: topic, event: 'e', name: ref.name, type: ref.type, size: ref.size, chunk: ref.chunk, bytes: 0, complete: true, sent: true, at: 1 });
  await n.store.putHashes(root, hashes);
  await n.store.putChunks(root, chunks);
  return ref;
}

/** Records the file as the client does before fetching (a holder serves recorded files only). */
async function fetchInto(n: Node, topic: Topic, ref: FileRef): Promise<FileFetch> {
  await n.store.putFile({ root: ref.root, conversation: topic, event: 'e', name: ref.name, type: ref.type, size: ref.size, chunk: ref.chunk, bytes: 0, complete: false, sent: false, at: 1 });
  return n.files.fetch({ room: topic, ref, hashes: null, have: new Set(), sink: storeSink(n.store, ref.root) });
}

async function contentOf(store: ChunkStore, ref: FileRef & { key: string }): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of openFile(ref, (i) => store.chunk(ref.root, i))) parts.push(p);
  const out = new Uint8Array(ref.size);
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

/** Byte comparison without vitest's element-by-element diffing (seconds per megabyte). */
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

const linked = (a: Node, count: number, topic: Topic) => () => a.mesh.roomLinks(topic).length >= count;

describe('file exchange', () => {
  it('a member fetches a file from the member who sent it, byte for byte, with progress', async () => {
    const { hub, net, keys } = await stage();
    const alice = await node(hub, net, keys, 'Alice');
    const bob = await node(hub, net, keys, 'Bob');
    const plain = bytesOf(40 * DEFAULT_CHUNK + 999);
    const ref = await send(alice, keys.topic, plain);
    await waitFor(linked(bob, 1, keys.topic), 'a link');
    const served: number[] = [];
    alice.files.on('served', (_room, _root, _device, index) => served.push(index));
    const fetch = await fetchInto(bob, keys.topic, ref);
    const progress: number[] = [];
    fetch.on('progress', () => progress.push(fetch.received));
    await new Promise<void>((resolve, reject) => {
      fetch.on('done', resolve);
      fetch.on('failed', reject);
    });
    expect(sameBytes(await contentOf(bob.store, ref), plain)).toBe(true);
    expect(progress.at(-1)).toBe(plain.length);
    expect(new Set(served).size).toBe(41);
    // Each chunk was asked for once: nothing is requested twice while it is being checked.
    expect(served.length).toBe(41);
    expect([alice.warnings, bob.warnings]).toEqual([[], []]);
  });

  it('asking in another conversation gets nothing: files are served only where they were sent', async () => {
    const { hub, net, keys } = await stage();
    const other = await deriveConversationKeys(randomBytes(32));
    const alice = await node(hub, net, keys, 'Alice');
    const bob = await node(hub, net, keys, 'Bob');
    const ref = await send(alice, other.topic, bytesOf(1000));
    await waitFor(linked(bob, 1, keys.topic), 'a link');
    const fetch = await fetchInto(bob, keys.topic, ref);
    await new Promise((r) => setTimeout(r, 500));
    expect(fetch.state).toBe('hashes');
    expect(await bob.store.hashes(ref.root)).toBeNull();
  });

  it('when the sender goes away halfway, the rest comes from another member who has the file', async () => {
    const { hub, net, keys } = await stage();
    const aliceStore = new StallingStore();
    const alice = await node(hub, net, keys, 'Alice', aliceStore);
    const carol = await node(hub, net, keys, 'Carol');
    const plain = bytesOf(60 * DEFAULT_CHUNK);
    const ref = await send(alice, keys.topic, plain);
    await waitFor(linked(carol, 1, keys.topic), 'Carol linked');
    const first = await fetchInto(carol, keys.topic, ref);
    await new Promise<void>((resolve) => first.on('done', resolve));

    const bob = await node(hub, net, keys, 'Bob');
    // Bob knows only Alice at first, so the first half can only come from her.
    carol.mesh.removeRoom(keys.topic);
    await waitFor(linked(bob, 1, keys.topic), 'Bob linked to Alice');
    // Alice would serve Bob the whole file before the test sees half of it arrive; she
    // stalls past two thirds, so she is gone halfway and the rest must come from Carol.
    aliceStore.stallFrom = 40;
    const fetch = await fetchInto(bob, keys.topic, ref);
    await waitFor(() => fetch.received >= plain.length / 2, 'half');
    expect(fetch.state).not.toBe('done');
    alice.files.destroy();
    alice.mesh.destroy();
    await join(carol, keys);
    await new Promise<void>((resolve, reject) => {
      fetch.on('done', resolve);
      fetch.on('failed', reject);
    });
    expect(sameBytes(await contentOf(bob.store, ref), plain)).toBe(true);
  });

  it('a member who sends wrong chunks is dropped and penalized, and nothing corrupt is stored', async () => {
    const { hub, net, keys } = await stage();
    const plain = bytesOf(8 * DEFAULT_CHUNK);
    // Mallory holds the right hash list but serves garbage of the right length for every chunk.
    const evil = new EvilStore();
    const mallory = await node(hub, net, keys, 'Mallory', evil);
    const bob = await node(hub, net, keys, 'Bob');
    const ref = await send(mallory, keys.topic, plain);
    const honest = new MemoryChunkStore();
    await honest.putFile((await evil.file(ref.root))!);
    await honest.putHashes(ref.root, (await evil.hashes(ref.root))!);
    await honest.putChunks(ref.root, await Promise.all([...Array(8).keys()].map(async (index) => ({ index, bytes: (await evil.chunk(ref.root, index))! }))));
    evil.evil = true;
    await waitFor(linked(bob, 1, keys.topic), 'a link');
    const fetch = await fetchInto(bob, keys.topic, ref);
    await waitFor(() => bob.warnings.some((w) => w.includes('bad-file-chunk')), 'Mallory dropped');
    expect(bob.mesh.roomLinks(keys.topic)).toEqual([]);
    expect((await bob.store.indices(ref.root)).size).toBe(0);
    // Mallory stays penalized: she does not get back in while Bob still wants the file.
    await new Promise((r) => setTimeout(r, 800));
    expect(bob.mesh.roomLinks(keys.topic)).toEqual([]);
    // An honest member who has the file then serves it.
    await node(hub, net, keys, 'Alice', honest);
    await new Promise<void>((resolve) => (fetch.state === 'done' ? resolve() : fetch.on('done', resolve)));
    expect(sameBytes(await contentOf(bob.store, ref), plain)).toBe(true);
  });

  it('cancelling stops the transfer on both sides', async () => {
    const { hub, net, keys } = await stage();
    const alice = await node(hub, net, keys, 'Alice');
    const bob = await node(hub, net, keys, 'Bob');
    const ref = await send(alice, keys.topic, bytesOf(200 * DEFAULT_CHUNK));
    const count = chunkCount(ref.size, ref.chunk);
    await waitFor(linked(bob, 1, keys.topic), 'a link');
    const cancelled: string[] = [];
    alice.files.on('cancelled', (_room, root) => cancelled.push(root));
    let served = 0;
    alice.files.on('served', () => served++);
    const fetch = await fetchInto(bob, keys.topic, ref);
    await waitFor(() => fetch.received > 0, 'some bytes');
    bob.files.cancel(ref.root);
    await waitFor(() => cancelled.length === 1, 'Alice told');
    const servedAtCancel = served;
    await new Promise((r) => setTimeout(r, 300));
    expect(cancelled).toEqual([ref.root]);
    expect(fetch.state).toBe('cancelled');
    // At most the requests already in flight (one window: 4 MiB of chunks) are still answered.
    expect(served - servedAtCancel).toBeLessThanOrEqual(chunksIn(4 * 1024 * 1024, ref.chunk));
    expect((await bob.store.indices(ref.root)).size).toBeLessThan(count);
  });
});
