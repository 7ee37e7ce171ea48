/**
 * A hostile member against real browsers (docs/architecture.md §1.3: "Every input is hostile
 * until checked … A bad frame closes that peer or socket; it never crashes a process or
 * poisons a document"; §5.6 and §8.1: each update is size-capped, decoded and authorized
 * before Yjs sees it).
 *
 * Alice and Bob are real Chromium pages in isolated contexts. Mallory is a Node peer
 * running the real client and sync engine (tests/helpers/node-peer.ts) who joined by the
 * invite link, so she passed the membership proof and the identity handshake. She then
 * attacks from inside her own stack: crafted frames through her PeerLink to Alice, or
 * changes to her own Y.Doc / awareness that her sync engine forwards as usual.
 *
 * Each attack must leave Alice's and Bob's visible history unchanged and get Mallory
 * disconnected: her link closes from the far side, Alice's page logs why it dropped her,
 * and Alice's conversation drops to one peer (Bob).
 *
 * Peers reconnect after a drop (the mesh announces again after a backoff), so "Mallory is
 * disconnected" is observed as the drop itself, not as a lasting absence; once it is seen,
 * Mallory leaves the conversation so the drop-and-reconnect loop does not run on.
 */
import type { Awareness } from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { clientIdFor, newClientNonce } from '../../../src/core/authorship/client-id.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import { shardName } from '../../../src/core/conversation.js';
import { createEvent } from '../../../src/core/events.js';
import type { Topic } from '../../../src/core/ids.js';
import { eventHash, signEvent } from '../../../src/core/identity/signed.js';
import type { PeerLink } from '../../../src/net/peer-link.js';
import { Rng } from '../../helpers/fuzz.js';
import { waitUntil } from '../../helpers/node-peer.js';
import { historyOf, meet, messageTexts, openStage, presenceOf, type HistoryEntry, type Scene, type Stage } from '../../helpers/node-peer-scene.js';
import type { ParleyUser } from '../../helpers/parley-user.js';

let stage: Stage;
let scene: Scene | null = null;

beforeAll(async () => {
  stage = await openStage();
});

afterEach(async () => {
  await scene?.close();
  scene = null;
});

afterAll(async () => {
  await stage?.close();
});

/** Records why a link closed, in addition to what the mesh does on close. */
function closeReason(link: PeerLink): () => string | null {
  let reason: string | null = null;
  link.on('close', (why) => {
    reason = why;
  });
  return () => reason;
}

/** From now on, every peer count Alice's conversation reports (it re-renders on each). */
async function recordPeerCounts(user: ParleyUser, topic: Topic): Promise<() => Promise<number[]>> {
  await user.page.evaluate((id) => {
    const app = document.querySelector('parley-app') as unknown as { client: { get(id: string): { peerCount: number; on(e: string, f: () => void): void } } };
    const session = app.client.get(id);
    const log: number[] = [];
    (window as unknown as { __peerCounts: number[] }).__peerCounts = log;
    session.on('changed', () => {
      if (log.at(-1) !== session.peerCount) log.push(session.peerCount);
    });
  }, topic);
  return () => user.page.evaluate(() => (window as unknown as { __peerCounts: number[] }).__peerCounts);
}

interface Before {
  readonly alice: HistoryEntry[];
  readonly bob: HistoryEntry[];
  readonly peerCounts: () => Promise<number[]>;
  /** Lines Alice's page had logged before the attack. */
  readonly aliceLogged: number;
  readonly bobLogged: number;
}

async function before(s: Scene): Promise<Before> {
  const [alice, bob] = await Promise.all([historyOf(s.alice, s.topic), historyOf(s.bob, s.topic)]);
  expect(messageTexts(alice)).toEqual(['Hi Bob', 'Lunch at noon?']);
  expect(bob).toEqual(alice);
  return { alice, bob, peerCounts: await recordPeerCounts(s.alice, s.topic), aliceLogged: s.aliceLog.length, bobLogged: s.bobLog.length };
}

/**
 * Mallory was dropped by the peers she attacked — the close came from their side — and
 * nobody's history changed. `dropReason` is what Alice's page logs for it.
 */
async function expectRepelled(s: Scene, was: Before, closes: Array<() => string | null>, dropReason: RegExp): Promise<void> {
  await waitUntil(() => closes.every((reason) => reason() !== null), 'Mallory’s links to close', 20_000);
  for (const reason of closes) expect(reason()).not.toBe('closed-locally');
  const drops = (): string[] => s.aliceLog.slice(was.aliceLogged).filter((line) => line.startsWith('parley: dropping peer:'));
  await waitUntil(() => drops().some((line) => dropReason.test(line)), `Alice to log a drop matching ${dropReason}`, 5_000).catch(() => {
    throw new Error(`Alice dropped peers for: ${JSON.stringify(drops())}`);
  });
  expect(await was.peerCounts()).toContain(1);
  expect(await historyOf(s.alice, s.topic)).toEqual(was.alice);
  expect(await historyOf(s.bob, s.topic)).toEqual(was.bob);
  // Mallory stops here; otherwise she reconnects and is dropped again, over and over.
  s.mallory.leave(s.topic);
}

/**
 * The update a change makes, computed on a private copy of Mallory's doc with her client
 * id: the frame is hers, but her own doc stays clean.
 */
function forge(session: ConversationSession, change: (doc: Y.Doc) => void): Uint8Array {
  const copy = new Y.Doc({ gc: false });
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(session.doc));
  copy.clientID = session.doc.clientID;
  const updates: Uint8Array[] = [];
  copy.on('update', (u: Uint8Array) => updates.push(u));
  change(copy);
  copy.destroy();
  if (updates.length !== 1) throw new Error(`expected one update, got ${updates.length}`);
  return updates[0]!;
}

/** A y-protocols awareness update for one client. */
function awarenessUpdate(clientID: number, clock: number, state: unknown): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, clientID);
  encoding.writeVarUint(encoder, clock);
  encoding.writeVarString(encoder, JSON.stringify(state));
  return encoding.toUint8Array(encoder);
}

const awarenessClock = (awareness: Awareness): number => awareness.meta.get(awareness.clientID)?.clock ?? 0;

// Each case first meets (node-peer-scene.ts): two browsers and Mallory connected pairwise
// in the epoch her join started (seconds; over 30 s once on a loaded CI), then the attack.
describe('a hostile member cannot change history or presence, and is disconnected', { timeout: 150_000 }, () => {
  it("a message forged into Alice's log, claiming Alice as author, signed by Mallory", async () => {
    scene = await meet(stage);
    const { mallory, topic, aliceDevice, bobDevice } = scene;
    const was = await before(scene);
    const session = mallory.session(topic);
    const closes = [closeReason(mallory.linkTo(aliceDevice)!), closeReason(mallory.linkTo(bobDevice)!)];

    // A client id bound to Alice's key (with a nonce Mallory picks), so neither the shard
    // owner nor the client binding stops it before the signature check does. Written into
    // Mallory's own doc: her sync engine forwards it to Alice and Bob like any edit.
    const doc = session.doc;
    const nonce = newClientNonce();
    doc.clientID = clientIdFor(session.synced.directory.member(aliceDevice)!.device, nonce);
    const forged = await signEvent(
      createEvent({ kind: 'message', text: 'Alice here: ignore my last message' }, aliceDevice, Date.now()),
      { c: doc.clientID, k: 0, n: nonce },
      // Chained to Alice's real newest event, as her next event would be.
      eventHash(session.synced.log.lastEvent(aliceDevice)!),
      session.synced.account.device.signPrivate,
    );
    doc.transact(() => {
      const shard = doc.getArray(shardName(aliceDevice, 0));
      shard.insert(shard.length, [forged]);
    });

    await expectRepelled(scene, was, closes, /forbidden update: bad signature/);
  });

  it('a message whose text was changed after Mallory signed it', async () => {
    scene = await meet(stage);
    const { mallory, topic, aliceDevice } = scene;
    const was = await before(scene);
    const session = mallory.session(topic);
    const me = mallory.device;
    const link = mallory.linkTo(aliceDevice)!;
    const closes = [closeReason(link)];

    const place = session.synced.writer.placement();
    const signed = await signEvent(createEvent({ kind: 'message', text: 'see you at noon' }, me, Date.now()), place, eventHash(session.synced.log.lastEvent(me)!), session.synced.account.device.signPrivate);
    const tampered = { ...signed, text: 'see you at midnight' };
    const update = forge(session, (doc) => {
      const shard = doc.getArray(shardName(me, 0));
      shard.insert(shard.length, [tampered]);
    });
    mallory.sendUpdate(link, topic, update);

    await expectRepelled(scene, was, closes, /forbidden update: bad signature on event/);
  });

  it("deleting Alice's message (a Yjs delete of an item in her log shard)", async () => {
    scene = await meet(stage);
    const { mallory, topic, aliceDevice, bobDevice } = scene;
    const was = await before(scene);
    const session = mallory.session(topic);
    const closes = [closeReason(mallory.linkTo(aliceDevice)!), closeReason(mallory.linkTo(bobDevice)!)];

    const shard = session.doc.getArray(shardName(aliceDevice, 0));
    const index = shard.toArray().findIndex((e) => (e as { text?: string }).text === 'Lunch at noon?');
    expect(index).toBeGreaterThanOrEqual(0);
    session.doc.transact(() => shard.delete(index, 1));

    await expectRepelled(scene, was, closes, /forbidden update: deletes an entry of a log/);
  });

  it('a 2 MB presence state', async () => {
    scene = await meet(stage);
    const { mallory, topic, aliceDevice } = scene;
    const was = await before(scene);
    const awareness = mallory.session(topic).awareness;
    const link = mallory.linkTo(aliceDevice)!;
    const closes = [closeReason(link)];

    const state = { device: mallory.device, name: 'Mallory', typingAt: 0, junk: 'x'.repeat(2 * 1024 * 1024) };
    mallory.sendAwareness(link, topic, awarenessUpdate(awareness.clientID, awarenessClock(awareness) + 1, state));

    await expectRepelled(scene, was, closes, /malformed or oversized awareness update/);
    const presence = await presenceOf(scene.alice, topic);
    expect(presence.find(([client]) => client === awareness.clientID)).toBeUndefined();
  });

  it("presence claiming Alice's device", async () => {
    scene = await meet(stage);
    const { mallory, topic, aliceDevice, bobDevice } = scene;
    const was = await before(scene);
    const session = mallory.session(topic);
    const aliceClient = (await presenceOf(scene.bob, topic)).find(([, device]) => device === aliceDevice)![0];
    const closes = [closeReason(mallory.linkTo(aliceDevice)!), closeReason(mallory.linkTo(bobDevice)!)];

    // Mallory's own presence, now saying it is Alice typing; her engine sends it to both.
    session.awareness.setLocalState({ device: aliceDevice, name: 'Alice', typingAt: Date.now() });

    await expectRepelled(scene, was, closes, /presence state for another device/);
    await waitUntil(() => scene!.bobLog.slice(was.bobLogged).some((line) => /presence state for another device/.test(line)), 'Bob to drop Mallory too', 5_000);
    // Only Alice's own session speaks for Alice, on both sides.
    for (const user of [scene.alice, scene.bob]) {
      const claims = (await presenceOf(user, topic)).filter(([, device]) => device === aliceDevice).map(([client]) => client);
      expect(claims).toEqual([aliceClient]);
    }
  });

  it('garbage inside a valid sync frame; afterwards the doc still syncs and still saves', async () => {
    scene = await meet(stage);
    const { mallory, topic, aliceDevice, alice, bob } = scene;
    const was = await before(scene);
    const link = mallory.linkTo(aliceDevice)!;
    const closes = [closeReason(link)];

    // A plausible start (one client, one struct) followed by seeded random bytes.
    const garbage = new Uint8Array([1, 1, ...new Rng(0xbad).bytes(61)]);
    mallory.sendUpdate(link, topic, garbage);
    // Refused by the budgeted walk over the bytes (content type) or by the decoder.
    await expectRepelled(scene, was, closes, /(malformed update: undecodable update|forbidden update: content type)/);

    // Honest updates still apply: Bob writes, Alice sees it.
    await bob.send('Still here?');
    await alice.waitForMessage('Still here?');
    const after = await historyOf(alice, topic);
    expect(messageTexts(after)).toEqual(['Hi Bob', 'Lunch at noon?', 'Still here?']);
    expect(after.slice(0, was.alice.length)).toEqual(was.alice);

    // And the doc still saves: after a reload, IndexedDB gives back the same history.
    await alice.page.reload();
    // The newest messages show first from the tail cache (messages only); the whole
    // history, joins included, follows once the document has loaded.
    await alice.waitForMessage('Still here?');
    await expect.poll(() => historyOf(alice, topic), { timeout: 15_000 }).toEqual(after);
  });
});
