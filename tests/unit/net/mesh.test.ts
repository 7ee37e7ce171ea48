/**
 * The mesh over an in-memory signaling server and in-memory WebRTC (docs/architecture.md §5):
 * real accounts, hellos, membership proofs and signed documents; only the network is fake.
 */
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { accountHandshake } from '../../../src/client/account-handshake.js';
import type { SyncedDoc } from '../../../src/client/synced-doc.js';
import { randomBytes } from '../../../src/core/bytes.js';
import type { SessionId } from '../../../src/core/ids.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { deriveConversationKeys, type ConversationKeys } from '../../../src/core/keys.js';
import type { Logger } from '../../../src/core/logger.js';
import { FrameKinds } from '../../../src/net/framing.js';
import { Mesh } from '../../../src/net/mesh.js';
import type { Account } from '../../../src/store/types.js';
import { MemorySignalingHub, MemoryWebRtc, type MemorySignalingPort } from '../../helpers/memory-signaling.js';
import { memberDoc, say, testAccount, texts } from '../../helpers/signed-docs.js';

interface Node {
  readonly account: Account;
  readonly port: MemorySignalingPort;
  readonly mesh: Mesh;
  readonly warnings: string[];
  readonly docs: Map<string, { synced: SyncedDoc; awareness: Awareness }>;
  join(keys: ConversationKeys, id?: string): Promise<SyncedDoc>;
}

const meshes: Mesh[] = [];
afterEach(() => {
  for (const m of meshes.splice(0)) m.destroy();
  vi.useRealTimers();
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function node(hub: MemorySignalingHub, net: MemoryWebRtc, name: string, session?: string, account?: Account, fallbackMs = 150): Promise<Node> {
  const me = account ?? (await testAccount(name));
  const warnings: string[] = [];
  const logger: Logger = { info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  const port = hub.port().connect();
  const mesh = new Mesh({
    signaling: port,
    createTransport: net.factory,
    handshake: accountHandshake(() => me, new VerifyKeyCache()),
    logger,
    reannounceMs: 300,
    connectTimeoutMs: 3_000,
    relay: { fallbackMs },
    ...(session ? { sessionId: session as SessionId } : {}),
  }).start();
  meshes.push(mesh);
  const docs = new Map<string, { synced: SyncedDoc; awareness: Awareness }>();
  return {
    account: me,
    port,
    mesh,
    warnings,
    docs,
    async join(keys, id = keys.topic) {
      const synced = await memberDoc(me);
      const awareness = new Awareness(new Y.Doc());
      awareness.setLocalState({ device: me.device.id, name });
      docs.set(id, { synced, awareness });
      mesh.addRoom(id, keys, synced.doc, awareness, synced.policy);
      return synced;
    },
  };
}

const keysOf = (): Promise<ConversationKeys> => deriveConversationKeys(randomBytes(32));

/**
 * Alice and Bob linked through a first conversation; from then on the server loses
 * everything published, so only the link can carry a join for `second`.
 */
async function linkedInOneRoom(): Promise<{ net: MemoryWebRtc; alice: Node; bob: Node; second: ConversationKeys }> {
  const hub = new MemorySignalingHub();
  const net = new MemoryWebRtc();
  const first = await keysOf();
  const second = await keysOf();
  const alice = await node(hub, net, 'Alice');
  const bob = await node(hub, net, 'Bob');
  await alice.join(first);
  await bob.join(first);
  await waitFor(() => alice.mesh.room(first.topic)!.peerCount === 1, 'the first room to sync');
  hub.filter = () => false;
  return { net, alice, bob, second };
}
const drops = (n: Node): string[] => n.warnings.filter((w) => w.startsWith('dropping peer'));

describe('mesh', () => {
  it('finds a session on the topic, proves membership and syncs both ways', async () => {
    const hub = new MemorySignalingHub();
    const net = new MemoryWebRtc();
    const keys = await keysOf();
    const alice = await node(hub, net, 'Alice');
    const bob = await node(hub, net, 'Bob');
    const a = await alice.join(keys);
    const b = await bob.join(keys);
    await say(a, 'hello Bob');
    await waitFor(() => texts(b).includes('hello Bob'), 'Bob to receive');
    await say(b, 'hi Alice');
    await waitFor(() => texts(a).includes('hi Alice'), 'Alice to receive');
    expect(alice.mesh.room(keys.topic)!.connection()).toBe('direct');
    expect([drops(alice), drops(bob)]).toEqual([[], []]);
  });

  it('resolves glare: sessions that announce at once make exactly one connection, started by the smaller id', async () => {
    const hub = new MemorySignalingHub();
    const net = new MemoryWebRtc();
    const keys = await keysOf();
    const small = await node(hub, net, 'Small', 'aaaaaaaaaaaa');
    const large = await node(hub, net, 'Large', 'zzzzzzzzzzzz');
    await Promise.all([small.join(keys), large.join(keys)]);
    await waitFor(() => small.mesh.linkCount === 1 && large.mesh.linkCount === 1, 'one link each');
    // Re-announces keep coming; they must not start a second connection.
    await new Promise((r) => setTimeout(r, 700));
    expect(net.transports.filter((t) => t.initiator).length).toBe(1);
    expect(net.transports.length).toBe(2);
    expect(small.mesh.links().map((l) => l.remote)).toEqual(['zzzzzzzzzzzz']);
    expect(net.transports.find((t) => t.initiator)!.name).toBe(net.transports[0]!.name);
  });

  it('joins a conversation added later over the existing link, with no rendezvous round trip needed', async () => {
    const { net, alice, bob, second } = await linkedInOneRoom();
    const a2 = await alice.join(second);
    const b2 = await bob.join(second);
    await say(a2, 'second room');
    await waitFor(() => texts(b2).includes('second room'), 'the second room to sync');
    expect(net.transports.length).toBe(2);
    expect([drops(alice), drops(bob)]).toEqual([[], []]);
  });

  it('a join that arrives before this side has the conversation is kept, and both sides sync once it is added', async () => {
    const { alice, bob, second } = await linkedInOneRoom();
    // Alice adds the group at once and offers it over the link; Bob opens it a while later
    // (he was still reading the invite), so her join reaches him before he has the room.
    const a2 = await alice.join(second);
    await new Promise((r) => setTimeout(r, 200));
    const b2 = await bob.join(second);
    await say(a2, 'from Alice');
    await say(b2, 'from Bob');
    await waitFor(() => texts(b2).includes('from Alice') && texts(a2).includes('from Bob'), 'the second room to sync both ways');
    expect([drops(alice), drops(bob)]).toEqual([[], []]);
  });

  it('drops a remote that sends a conversation frame before proving membership, and ignores it for a while', async () => {
    const hub = new MemorySignalingHub();
    const net = new MemoryWebRtc();
    const keys = await keysOf();
    const other = await keysOf();
    const alice = await node(hub, net, 'Alice');
    const mallory = await node(hub, net, 'Mallory');
    await alice.join(keys);
    await alice.join(other);
    await mallory.join(keys);
    await waitFor(() => alice.mesh.room(keys.topic)!.peerCount === 1, 'the link to sync');
    // Mallory knows the other conversation's topic (the server does too), not its secret: she
    // cannot prove membership, so she speaks there without a join.
    const link = mallory.mesh.links()[0]!.link;
    link.send({ kind: FrameKinds.sync, doc: Uint8Array.from(Buffer.from(other.topic, 'hex')), payload: Uint8Array.of(0, 0) });
    await waitFor(() => drops(alice).length > 0, 'Alice to drop Mallory');
    expect(drops(alice)).toEqual(['dropping peer: frame-before-join']);
    // Its session, its device and its identity (a new device certificate does not reset it).
    expect(alice.mesh.memorySize.penalties).toBe(3);
    // Penalized: her announces are ignored for now, so no new link comes up.
    await new Promise((r) => setTimeout(r, 900));
    expect(alice.mesh.linkCount).toBe(0);
  });

  it('reconnects after the link is lost, and sync resumes', async () => {
    const hub = new MemorySignalingHub();
    const net = new MemoryWebRtc();
    const keys = await keysOf();
    const alice = await node(hub, net, 'Alice');
    const bob = await node(hub, net, 'Bob');
    const a = await alice.join(keys);
    const b = await bob.join(keys);
    await waitFor(() => alice.mesh.linkCount === 1 && bob.mesh.room(keys.topic)!.peerCount === 1, 'the first link');
    const first = alice.mesh.links()[0]!.link;
    // The network drops the path (not a misbehaviour: no penalty).
    net.transports[0]!.close();
    await waitFor(() => first.isClosed, 'the link to close');
    await waitFor(() => alice.mesh.linkCount === 1 && alice.mesh.links()[0]!.link !== first, 'a new link', 8_000);
    await say(a, 'after the blip');
    await waitFor(() => texts(b).includes('after the blip'), 'sync on the new link');
    expect([drops(alice), drops(bob)]).toEqual([[], []]);
    expect(alice.mesh.memorySize.penalties).toBe(0);
  });

  it('moves a room to new keys without losing its links or history', async () => {
    const hub = new MemorySignalingHub();
    const net = new MemoryWebRtc();
    const keys = await keysOf();
    const next = await keysOf();
    const alice = await node(hub, net, 'Alice');
    const bob = await node(hub, net, 'Bob');
    const a = await alice.join(keys, 'conversation');
    const b = await bob.join(keys, 'conversation');
    await say(a, 'epoch one');
    await waitFor(() => texts(b).includes('epoch one'), 'the first epoch to sync');
    const link = alice.mesh.links()[0]!.link;
    alice.mesh.rekey('conversation', next);
    bob.mesh.rekey('conversation', next);
    expect(alice.mesh.room('conversation')!.topic).toBe(next.topic);
    await say(a, 'epoch two');
    await waitFor(() => texts(b).includes('epoch two'), 'the second epoch to sync');
    expect(alice.mesh.links()[0]!.link).toBe(link);
    expect(net.transports.length).toBe(2);
    expect(texts(b)).toEqual(['epoch one', 'epoch two']);
    // The old topic is left on the server.
    expect(alice.port.topicCount).toBe(1);
  });

  it('refuses a remote whose hello is not bound to this link', async () => {
    const hub = new MemorySignalingHub();
    const net = new MemoryWebRtc();
    const keys = await keysOf();
    const alice = await node(hub, net, 'Alice');
    const bobAccount = await testAccount('Bob');
    // Bob's hello signs a binding of another channel (as a replayed hello would).
    const honest = accountHandshake(() => bobAccount, new VerifyKeyCache());
    const port = hub.port().connect();
    const bob = new Mesh({
      signaling: port,
      createTransport: net.factory,
      handshake: { ...honest, hello: (context) => honest.hello({ ...context, fromBinding: 'another channel' }) },
    }).start();
    meshes.push(bob);
    await alice.join(keys);
    const synced = await memberDoc(bobAccount);
    bob.addRoom(keys.topic, keys, synced.doc, new Awareness(new Y.Doc()), synced.policy);
    await waitFor(() => drops(alice).length > 0, 'Alice to drop Bob');
    expect(drops(alice)[0]).toBe('dropping peer: identity-proof-failed');
  });
});

describe('mesh over the relay', () => {
  it('falls back to the relay when no direct path opens, and syncs through it', async () => {
    const hub = new MemorySignalingHub();
    const net = new MemoryWebRtc();
    net.blocked = true;
    const keys = await keysOf();
    const alice = await node(hub, net, 'Alice');
    const bob = await node(hub, net, 'Bob');
    const a = await alice.join(keys);
    const b = await bob.join(keys);
    await say(a, 'through the relay');
    await waitFor(() => texts(b).includes('through the relay'), 'Bob to receive through the relay');
    await say(b, 'and back');
    await waitFor(() => texts(a).includes('and back'), 'Alice to receive through the relay');
    expect(alice.mesh.room(keys.topic)!.connection()).toBe('relay');
    expect(alice.mesh.links()[0]!.link.kind).toBe('relay');
    // The server saw only sealed records: no plaintext of the message in any relay frame.
    const needle = Buffer.from('through the relay');
    expect(hub.relayed.length).toBeGreaterThan(0);
    expect(hub.relayed.some((f) => Buffer.from(f.payload).includes(needle))).toBe(false);
    expect([drops(alice), drops(bob)]).toEqual([[], []]);
  });

  it('falls back at once when ICE fails', async () => {
    const hub = new MemorySignalingHub();
    const net = new MemoryWebRtc();
    net.blocked = true;
    net.failAfterMs = 10;
    const keys = await keysOf();
    const alice = await node(hub, net, 'Alice');
    const bob = await node(hub, net, 'Bob');
    await alice.join(keys);
    await bob.join(keys);
    await waitFor(() => alice.mesh.room(keys.topic)!.connection() === 'relay', 'the relay link');
    expect(net.transports.every((t) => t.isClosed)).toBe(true);
  });

  it('offers no relay once the direct path is open: a link that opened directly keeps one path', async () => {
    // The relay is the fallback for a link with no direct path a moment (fallbackMs) after it
    // was made; one that opened directly in time was still offered the relay and kept an idle
    // relay path beside the data channel for its whole life. A second here: the memory link
    // opens well within it even on a loaded machine (at 150 ms it sometimes did not, and was
    // then rightly offered the relay).
    const hub = new MemorySignalingHub();
    const net = new MemoryWebRtc();
    const keys = await keysOf();
    const alice = await node(hub, net, 'Alice', undefined, undefined, 1_000);
    const bob = await node(hub, net, 'Bob', undefined, undefined, 1_000);
    const a = await alice.join(keys);
    const b = await bob.join(keys);
    await waitFor(() => alice.mesh.room(keys.topic)!.connection() === 'direct' && bob.mesh.room(keys.topic)!.connection() === 'direct', 'a direct link');
    // Well past the fallback delay, and a message each way, as the relay would have been there.
    await new Promise((r) => setTimeout(r, 1_300));
    await say(a, 'still direct');
    await say(b, 'and back');
    await waitFor(() => texts(b).includes('still direct') && texts(a).includes('and back'), 'both messages');
    expect([alice, bob].map((n) => n.mesh.links().map((l) => l.link.pathCount))).toEqual([[1], [1]]);
    expect([drops(alice), drops(bob)]).toEqual([[], []]);
  });

  it('upgrades to the direct path when ICE gets there later, losing and doubling nothing', async () => {
    const hub = new MemorySignalingHub();
    const net = new MemoryWebRtc();
    net.openAfterMs = 700;
    const keys = await keysOf();
    const alice = await node(hub, net, 'Alice');
    const bob = await node(hub, net, 'Bob');
    const a = await alice.join(keys);
    const b = await bob.join(keys);
    await waitFor(() => alice.mesh.room(keys.topic)!.connection() === 'relay', 'the relay link first');
    const link = alice.mesh.links()[0]!.link;
    // Messages keep flowing across the switch.
    const sent: string[] = [];
    for (let i = 0; i < 30; i++) {
      sent.push(`message ${i}`);
      await say(a, `message ${i}`);
      await new Promise((r) => setTimeout(r, 30));
    }
    await waitFor(() => alice.mesh.room(keys.topic)!.connection() === 'direct' && bob.mesh.room(keys.topic)!.connection() === 'direct', 'the upgrade');
    await waitFor(() => texts(b).length === 30, 'every message');
    expect(texts(b)).toEqual(sent);
    expect(alice.mesh.links()[0]!.link).toBe(link);
    // The relay path is retired once both directions moved.
    await waitFor(() => link.pathCount === 1, 'the relay path to close');
    expect([drops(alice), drops(bob)]).toEqual([[], []]);
  });
});

describe('mesh lifecycle', () => {
  it('releases every timer and listener on destroy', async () => {
    const hub = new MemorySignalingHub();
    const net = new MemoryWebRtc();
    const keys = await keysOf();
    const account = await testAccount('Alice');
    const synced = await memberDoc(account);
    vi.useFakeTimers();
    // The awareness is the caller's (it runs its own interval until destroyed).
    const awareness = new Awareness(new Y.Doc());
    const before = vi.getTimerCount();
    const port = hub.port().connect();
    const mesh = new Mesh({ signaling: port, createTransport: net.factory, handshake: accountHandshake(() => account, new VerifyKeyCache()) }).start();
    const sync = mesh.addRoom(keys.topic, keys, synced.doc, awareness, synced.policy);
    expect(vi.getTimerCount()).toBeGreaterThan(before);
    mesh.destroy();
    expect(vi.getTimerCount()).toBe(before);
    // No listener left on the signaling port, and the room sync let go of the document.
    expect(port._observers.size).toBe(0);
    expect(sync.peerCount).toBe(0);
    expect(port.topicCount).toBe(0);
    awareness.destroy();
  });

  it('releases the timers of live links too (linked over the relay, the direct path still trying)', async () => {
    const hub = new MemorySignalingHub();
    const net = new MemoryWebRtc();
    net.blocked = true;
    const keys = await keysOf();
    const accounts = [await testAccount('Alice'), await testAccount('Bob')];
    const docs = [await memberDoc(accounts[0]!), await memberDoc(accounts[1]!)];
    const awareness = [new Awareness(new Y.Doc()), new Awareness(new Y.Doc())];
    awareness.forEach((a, i) => a.setLocalState({ device: accounts[i]!.device.id }));
    // Real timers, counted: every timeout and interval with a delay (the in-memory server's own
    // deliveries use 0 ms) from now on, until it fires once or is cleared.
    const live = trackTimers();
    try {
      const meshes = accounts.map((account, i) => {
        const mesh = new Mesh({ signaling: hub.port().connect(), createTransport: net.factory, handshake: accountHandshake(() => account, new VerifyKeyCache()), relay: { fallbackMs: 100 } }).start();
        mesh.addRoom(keys.topic, keys, docs[i]!.doc, awareness[i]!, docs[i]!.policy);
        return mesh;
      });
      await waitFor(() => meshes.every((m) => m.room(keys.topic)!.connection() === 'relay'), 'both to link over the relay');
      expect(live.count()).toBeGreaterThan(0);
      for (const m of meshes) m.destroy();
      expect(live.count()).toBe(0);
    } finally {
      live.restore();
      for (const a of awareness) a.destroy();
    }
  });
});

/** Counts live timers (delay > 0) created from now on; `restore` puts the globals back. */
function trackTimers(): { count(): number; restore(): void } {
  const live = new Set<unknown>();
  const original = { setTimeout, clearTimeout, setInterval, clearInterval };
  const g = globalThis as unknown as Record<string, unknown>;
  g.setTimeout = (fn: (...args: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
    const handle: unknown = original.setTimeout(
      (...args: unknown[]) => {
        live.delete(handle);
        fn(...args);
      },
      ms,
      ...rest,
    );
    if ((ms ?? 0) > 0) live.add(handle);
    return handle;
  };
  g.clearTimeout = (handle: Parameters<typeof clearTimeout>[0]) => {
    live.delete(handle);
    original.clearTimeout(handle);
  };
  g.setInterval = (fn: (...args: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
    const handle = original.setInterval(fn, ms, ...rest);
    live.add(handle);
    return handle;
  };
  g.clearInterval = (handle: Parameters<typeof clearInterval>[0]) => {
    live.delete(handle);
    original.clearInterval(handle);
  };
  return {
    count: () => live.size,
    restore: () => Object.assign(g, original),
  };
}
