/**
 * The network lab (tests/network/lab/topology.ts): Alice and Bob in their own homes behind
 * NAT routers, each in their own Chromium, the real server on the lab's internet. Every case
 * has them meet through an invite link and exchange messages both ways, then asserts the path
 * their WebRTC stacks chose (selected ICE candidate pair from getStats) and, where the product
 * promises one, how fast the first reply comes.
 */
import { describe, expect, it } from 'vitest';
import { connectionEvents, peerConnections, type SelectedPair } from './lab/browsers.js';
import { exchangeMany, meet, pingPong, shareFile, type PingPong } from './lab/conversation.js';
import { withScene, type Scene } from './lab/scene.js';
import { SERVER_ORIGIN, TURN_PORT, TURN_SECRET } from './lab/services.js';
import { TURN_IP, type HomeSpec } from './lab/topology.js';

const coneHomes: HomeSpec[] = [
  { nat: 'cone', computers: 1 },
  { nat: 'cone', computers: 1 },
];
const symmetricHomes: HomeSpec[] = [
  { nat: 'symmetric', computers: 1 },
  { nat: 'symmetric', computers: 1 },
];
/** An operator's own STUN server (coturn) in ICE_SERVERS. */
const coturnStun = { ICE_SERVERS: JSON.stringify([{ urls: `stun:${TURN_IP}:${TURN_PORT}` }]) };

/** Each side's selected pair, once both have one (bounded wait). */
async function selectedPairs(scene: Scene, timeoutMs: number): Promise<{ alice: SelectedPair[]; bob: SelectedPair[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [alice, bob] = await Promise.all([peerConnections(scene.alice.page), peerConnections(scene.bob.page)]);
    if ((alice.selected.length > 0 && bob.selected.length > 0) || Date.now() > deadline) return { alice: alice.selected, bob: bob.selected };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Each side's bulk connection's selected pair (docs/architecture.md §14.2: files' chunks ride
 * a connection of their own beside the link's, opened by the link's first file): Alice sends
 * a file, Bob downloads it, and the pairs are read once both sides have one (bounded wait).
 * The connection events since the send are printed (when the bulk connection was made and
 * connected).
 */
async function bulkPairs(scene: Scene, timeoutMs = 10_000): Promise<Pairs> {
  const [before] = await Promise.all([peerConnections(scene.alice.page), peerConnections(scene.bob.page)]);
  // Texts alone opened no bulk connection.
  expect(before.bulk).toEqual([]);
  const sentAt = await shareFile(scene, 30_000);
  for (const user of [scene.alice, scene.bob]) console.log(`[network lab]   ${user.name}, from the file's Send: ${(await connectionEvents(user.page, sentAt)).filter((e) => !e.startsWith('-')).join(', ')}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [alice, bob] = await Promise.all([peerConnections(scene.alice.page), peerConnections(scene.bob.page)]);
    if ((alice.bulk.length > 0 && bob.bulk.length > 0) || Date.now() > deadline) return { alice: alice.bulk, bob: bob.bulk };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const kinds = (pairs: readonly SelectedPair[]): string[] => pairs.map((p) => `${p.local.type}↔${p.remote.type}`);

/**
 * Within one home no NAT stands between the computers, so each side's path must be host to
 * host. ICE may call either end peer-reflexive: the other computer's host address learned
 * from its connectivity check before its signalled candidate arrived (RFC 8445 §7.3.1.3),
 * or, seen from that computer, its own address learned from a check's response
 * (§7.2.5.3.1) — one CI run in several, either way round. Such an end counts as host; a
 * srflx or relay end still fails. Chromium hides the addresses of these ends in stats, so
 * the two sides' ports are compared instead: each side's local port is the port the other
 * side sends to, which a path through the router (rewriting ports) would not give.
 */
function expectWithinHome({ alice, bob }: Pairs): void {
  const inHome = (pairs: readonly SelectedPair[]): string[] => pairs.map((p) => [p.local, p.remote].map((end) => (end.type === 'prflx' ? 'host' : end.type)).join('↔'));
  expect(inHome(alice)).toEqual(['host↔host']);
  expect(inHome(bob)).toEqual(['host↔host']);
  expect([alice[0]!.local.port, alice[0]!.remote.port]).toEqual([bob[0]!.remote.port, bob[0]!.local.port]);
}

/** The selected pair of each side's connections of one kind. */
interface Pairs {
  readonly alice: SelectedPair[];
  readonly bob: SelectedPair[];
}

interface Chat extends Pairs {
  readonly timing: PingPong;
}

/**
 * Alice and Bob meet and exchange a first message each way; then the path each side
 * selected is read. The figures are printed for README's table.
 */
async function chat(scene: Scene, label: string, timeoutMs = 20_000): Promise<Chat> {
  await meet(scene, SERVER_ORIGIN);
  const timing = await pingPong(scene, timeoutMs);
  const pairs = await selectedPairs(scene, 10_000);
  const { startedAt, ...figures } = timing;
  console.log(`[network lab] ${label}: ${JSON.stringify({ ...figures, alice: kinds(pairs.alice), bob: kinds(pairs.bob) })}`);
  // Where the time went, in ms from Alice's Send click: connection states and header status.
  for (const user of [scene.alice, scene.bob]) console.log(`[network lab]   ${user.name}: ${(await connectionEvents(user.page, startedAt)).join(', ')}`);
  return { timing, ...pairs };
}

/** Both sides use one srflx↔srflx pair whose remote end is the other home's router. */
function expectThroughBothNats(scene: Scene, { alice, bob }: Pairs): void {
  expect(kinds(alice)).toEqual(['srflx↔srflx']);
  expect(kinds(bob)).toEqual(['srflx↔srflx']);
  expect(alice[0]!.remote.address).toBe(scene.lab.homes[1]!.publicIp);
  expect(bob[0]!.remote.address).toBe(scene.lab.homes[0]!.publicIp);
}

describe('network lab', () => {
  it('both computers in one home connect host to host, the files\' bulk connection too', async () => {
    await withScene({ homes: [{ nat: 'cone', computers: 2 }] }, async (scene) => {
      expectWithinHome(await chat(scene, 'one home, defaults'));
      expectWithinHome(await bulkPairs(scene));
    });
  });

  it('cone NATs with an operator STUN server in ICE_SERVERS connect directly, srflx to srflx, the files\' bulk connection too', async () => {
    await withScene({ homes: coneHomes, coturn: true, serverEnv: coturnStun }, async (scene) => {
      expectThroughBothNats(scene, await chat(scene, 'cone NATs, coturn STUN in ICE_SERVERS'));
      expectThroughBothNats(scene, await bulkPairs(scene));
    });
  });

  // The two timed cases get one retry: on a shared 2-core machine one reply in several runs
  // was late by a few hundred ms under load 15–20; a real regression fails both tries.
  it('cone NATs with the defaults (built-in STUN) connect directly, srflx to srflx, first reply within 2 s', { retry: 1 }, async () => {
    await withScene({ homes: coneHomes }, async (scene) => {
      const result = await chat(scene, 'cone NATs, defaults');
      expectThroughBothNats(scene, result);
      for (const user of [scene.alice, scene.bob]) await expect(user.status.textContent()).resolves.toMatch(/^Direct/);
      expect(result.timing.reply).toBeLessThanOrEqual(2000);
    });
  });

  it('symmetric NATs with the defaults go through the blind relay ("Via relay", no data channel), first reply within 3 s', { retry: 1 }, async () => {
    await withScene({ homes: symmetricHomes }, async (scene) => {
      const result = await chat(scene, 'symmetric NATs, defaults');
      for (const user of [scene.alice, scene.bob]) await expect(user.status.textContent()).resolves.toMatch(/^Via relay/);
      // No ICE pair ever succeeded: the messages went over the WebSockets, through the server.
      expect({ alice: result.alice, bob: result.bob }).toEqual({ alice: [], bob: [] });
      expect(result.timing.reply).toBeLessThanOrEqual(3000);
    });
  });

  it('symmetric NATs with coturn configured (TURN_URLS, TURN_SECRET) connect through TURN relay candidates', async () => {
    const turn = { TURN_URLS: `turn:${TURN_IP}:${TURN_PORT}?transport=udp`, TURN_SECRET };
    await withScene({ homes: symmetricHomes, coturn: true, serverEnv: turn }, async (scene) => {
      const { alice, bob } = await chat(scene, 'symmetric NATs, coturn TURN');
      expect(alice).toHaveLength(1);
      expect(bob).toHaveLength(1);
      // One allocation suffices: the measured path is Alice's relay ↔ Bob's peer-reflexive
      // mapping (or the mirror), since a permission on the relay covers a whole IP address.
      for (const pair of [...alice, ...bob]) {
        const relayEnd = [pair.local, pair.remote].find((end) => end.type === 'relay');
        expect(relayEnd, `${pair.local.type}↔${pair.remote.type}`).toBeDefined();
        expect(relayEnd!.address).toBe(TURN_IP);
      }
    });
  });

  it('5% packet loss on both routers: 30 messages each way arrive, none lost or doubled', async () => {
    const lossy = coneHomes.map((h) => ({ ...h, loss: 0.05 }));
    await withScene({ homes: lossy }, async (scene) => {
      await chat(scene, 'cone NATs, 5% loss each way on both routers', 30_000);
      const started = performance.now();
      const result = await exchangeMany(scene, 30, 60_000);
      console.log(`[network lab] 30 messages each way at 5% loss: all shown after ${Math.round(performance.now() - started)} ms`);
      const sorted = (list: readonly string[]): string[] => [...list].sort();
      expect(sorted(result.alice)).toEqual(sorted(result.expected));
      expect(sorted(result.bob)).toEqual(sorted(result.expected));
      // Each author's messages in the order they were sent, on both screens.
      for (const who of ['from Alice', 'from Bob']) {
        const inOrder = result.expected.filter((t) => t.startsWith(who));
        expect(result.alice.filter((t) => t.startsWith(who))).toEqual(inOrder);
        expect(result.bob.filter((t) => t.startsWith(who))).toEqual(inOrder);
      }
    });
  });
});
