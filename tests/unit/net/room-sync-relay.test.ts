/**
 * Relaying between neighbours (docs/architecture.md §5.6), over manual-flush transports:
 * in a full mesh an update crosses each link once, not once per relaying neighbour; a member
 * linked to nobody but a relaying device still gets everything; and a device leaving a topic
 * (a new epoch) first sends what it owes, without re-sending what acks show is held.
 */
import { Awareness } from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncedDoc } from '../../../src/client/synced-doc.js';
import type { Topic } from '../../../src/core/ids.js';
import { Neighbour } from '../../../src/net/forwarding.js';
import { FrameKinds } from '../../../src/net/framing.js';
import { Disposables } from '../../../src/core/lifecycle.js';
import { PeerLink } from '../../../src/net/peer-link.js';
import { RoomSync } from '../../../src/net/room-sync.js';
import { flushAll, transportPair, type MemoryTransport } from '../../helpers/memory-transport.js';
import { memberDoc, say, testAccount, texts } from '../../helpers/signed-docs.js';

const TOPIC = '00112233445566778899aabbccddeeff' as Topic;
/** Long enough that no relay timer fires during a test that expects acks to win. */
const NEVER_MS = 60_000;

interface Member {
  readonly synced: SyncedDoc;
  readonly room: RoomSync;
  /** Sync update frames (y-protocols message 2) this member received, by sender. */
  readonly updatesFrom: Map<Member, number>;
  readonly violations: string[];
  /** The receiving end of each link, by the remote member. */
  readonly inboxes: Map<Member, MemoryTransport>;
}

const cleanups: Array<() => void> = [];

afterEach(() => cleanups.splice(0).forEach((f) => f()));

async function member(name: string, relayDelayMs: number): Promise<Member> {
  const synced = await memberDoc(await testAccount(name));
  const awareness = new Awareness(new Y.Doc());
  awareness.setLocalState({ device: synced.account.device.id, name });
  const violations: string[] = [];
  const room = new RoomSync(TOPIC, synced.doc, awareness, synced.policy, (link, v) => {
    violations.push(`${v.reason}: ${v.detail ?? ''}`);
    link.close(v.reason, v.detail);
  }, { relayDelayMs });
  cleanups.push(() => {
    room.destroy();
    awareness.destroy();
  });
  return { synced, room, updatesFrom: new Map(), violations, inboxes: new Map() };
}

/** A link between two members, attached on both sides, as the mesh does after both joins. */
function link(a: Member, b: Member): void {
  const [ta, tb] = transportPair();
  const end = (self: Member, other: Member, transport: MemoryTransport): PeerLink => {
    const l = new PeerLink(transport);
    const account = other.synced.account;
    l.identify({ device: account.device.id, identity: account.identity.sign, cert: account.cert });
    let chain: Promise<void> = Promise.resolve();
    l.on('frame', (frame) => {
      if (frame.kind === FrameKinds.sync && frame.payload[0] === syncProtocol.messageYjsUpdate) self.updatesFrom.set(other, (self.updatesFrom.get(other) ?? 0) + 1);
      chain = chain.then(() => self.room.handle(l, frame));
    });
    self.inboxes.set(other, transport);
    return l;
  };
  const la = end(a, b, ta);
  const lb = end(b, a, tb);
  ta.open();
  a.room.attach(la);
  b.room.attach(lb);
}

const memberCount = (m: Member): number => [...m.synced.directory.members()].length;
/** Who sent `m` sync updates since the last `reset`. */
const sendersTo = (m: Member): Member[] => [...m.updatesFrom.keys()];
const reset = (members: Member[]): void => members.forEach((m) => m.updatesFrom.clear());

const allInboxes = (members: Member[]): MemoryTransport[] => members.flatMap((m) => [...m.inboxes.values()]);

/** Delivers what `transports` hold until `done`, polling (checks are asynchronous). */
async function deliverUntil(transports: MemoryTransport[], done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    flushAll(...transports);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function fullMesh(n: number, relayDelayMs: number): Promise<Member[]> {
  const members = await Promise.all(Array.from({ length: n }, (_, i) => member(`Member ${i}`, relayDelayMs)));
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) link(members[i]!, members[j]!);
  const idle = (): boolean => members.every((m) => m.room.relaysWaiting === 0 && memberCount(m) === n);
  await deliverUntil(allInboxes(members), idle, 'the mesh to sync its member records');
  return members;
}

describe('relaying between neighbours', () => {
  it('in a full mesh of 6, one message crosses each link once: nobody relays what acks show is held', async () => {
    const members = await fullMesh(6, NEVER_MS);
    reset(members);
    await say(members[0]!.synced, 'hello all');
    const done = (): boolean => members.every((m) => texts(m.synced).includes('hello all') && m.room.relaysWaiting === 0);
    await deliverUntil(allInboxes(members), done, 'everyone to hold the message and drop their relays');
    // Flooding would deliver it to each member 1 + 4 times: from the author and from every
    // other neighbour.
    const author = members[0]!;
    for (const m of members.slice(1)) expect(sendersTo(m)).toEqual([author]);
    expect(members.flatMap((m) => m.violations)).toEqual([]);
  });

  it('a member linked only to a relaying device gets its neighbours’ writes, and they get its', async () => {
    const [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map((n) => member(n, 20)));
    // Alice – Bob – Carol: Alice and Carol have no link.
    link(alice!, bob!);
    link(bob!, carol!);
    const everyone = [alice!, bob!, carol!];
    await say(alice!.synced, 'from alice');
    await say(carol!.synced, 'from carol');
    const all = (m: Member): boolean => ['from alice', 'from carol'].every((t) => texts(m.synced).includes(t));
    await deliverUntil(allInboxes(everyone), () => everyone.every(all), 'both writes to cross Bob');
    expect(texts(carol!.synced).sort()).toEqual(['from alice', 'from carol']);
    expect(texts(alice!.synced).sort()).toEqual(['from alice', 'from carol']);
    expect(everyone.flatMap((m) => m.violations)).toEqual([]);
  });

  it('draining before a new epoch ends on acks alone in a full mesh, relaying nothing', async () => {
    const members = await fullMesh(4, NEVER_MS);
    const [author, leaver, ...others] = members as [Member, Member, Member, Member];
    reset(members);
    await say(author.synced, 'the record');
    // Only the author's frames move: everyone holds it, nobody's ack has arrived yet.
    const fromAuthor = members.slice(1).map((m) => m.inboxes.get(author)!);
    await deliverUntil(fromAuthor, () => members.every((m) => texts(m.synced).includes('the record')), 'the author’s frames');
    expect(leaver.room.relaysWaiting).toBe(others.length);
    let drained = false;
    leaver.room.drain(() => (drained = true));
    expect(drained).toBe(false);
    await deliverUntil(allInboxes(members), () => drained, 'the acks to end the drain');
    await deliverUntil(allInboxes(members), () => members.every((m) => m.room.relaysWaiting === 0), 'every relay to be dropped');
    for (const m of [leaver, ...others]) expect(sendersTo(m)).toEqual([author]);
  });

  it('draining sends a member reached only through this device what it lacks, before leaving', async () => {
    const [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map((n) => member(n, 300)));
    link(alice!, bob!);
    link(bob!, carol!);
    const everyone = [alice!, bob!, carol!];
    await deliverUntil(allInboxes(everyone), () => everyone.every((m) => memberCount(m) === 3 && m.room.relaysWaiting === 0), 'the line to sync');
    await say(alice!.synced, 'new epoch record');
    await deliverUntil([bob!.inboxes.get(alice!)!], () => texts(bob!.synced).includes('new epoch record'), 'Bob to hold the record');
    const toCarol = carol!.inboxes.get(bob!)!;
    reset(everyone);
    // When the drain ends (the mesh then sends its leaves), what Bob sent Carol must already
    // include the record: delivered right then, it reaches her as an update from Bob.
    let relayedByThen: Member[] | null = null;
    bob!.room.drain(() => {
      flushAll(toCarol);
      relayedByThen = sendersTo(carol!);
    });
    await deliverUntil([bob!.inboxes.get(alice!)!, alice!.inboxes.get(bob!)!], () => relayedByThen !== null, 'the drain to end');
    expect(relayedByThen).toEqual([bob]);
    await deliverUntil([toCarol], () => texts(carol!.synced).includes('new epoch record'), 'Carol to apply the record Bob relayed');
    expect(carol!.violations).toEqual([]);
  });
});

describe('what a neighbour is told and known to hold', () => {
  const neighbour = (): { n: Neighbour; sent: Uint8Array[]; owned: Disposables } => {
    const sent: Uint8Array[] = [];
    const owned = new Disposables();
    cleanups.push(() => owned.dispose());
    return { n: new Neighbour({ owned, delayMs: NEVER_MS, send: (m) => sent.push(m), idle: () => undefined }), sent, owned };
  };

  it('an ack names only the clocks that moved since the neighbour was last told', () => {
    const { n } = neighbour();
    expect([...n.tell(new Map([[1, 5], [2, 7]]))]).toEqual([[1, 5], [2, 7]]);
    expect(n.tell(new Map([[1, 5], [2, 7]])).size).toBe(0);
    expect([...n.tell(new Map([[1, 5], [2, 9], [3, 1]]))]).toEqual([[2, 9], [3, 1]]);
  });

  it('reports the sum of its acks upward, and not what was only sent to it', () => {
    const { n, sent } = neighbour();
    n.learn(new Map([[1, 5]]));
    n.learn(new Map([[2, 3]]));
    n.queue({ message: Uint8Array.of(9), clocks: [[4, 2]] });
    n.flush();
    expect(sent).toEqual([Uint8Array.of(9)]);
    expect(n.holds([[4, 2]])).toBe(true);
    expect([...n.acked()].sort()).toEqual([[1, 5], [2, 3]]);
  });

  it('drops a waiting relay once an ack covers it; one that only deletes is never counted as held', () => {
    const { n, sent } = neighbour();
    n.queue({ message: Uint8Array.of(1), clocks: [[7, 3]] });
    expect(n.pending).toBe(1);
    n.learn(new Map([[7, 2]]));
    expect(n.pending).toBe(1);
    n.learn(new Map([[7, 3]]));
    expect(n.pending).toBe(0);
    n.flush();
    expect(sent).toEqual([]);
    expect(n.holds([])).toBe(false);
  });
});
