/**
 * Forged rendezvous messages (docs/architecture.md §5, docs/protocol.md §4). Rendezvous
 * messages are sealed under a key every member holds, so sealing alone says nothing about
 * who sent one. Mallory, a member, watches the topic and publishes WebRTC signals and relay
 * offers in Alice's and Bob's names, to keep them from ever linking to each other; and
 * Eve, who knows only the topic (as the server does), replays what she captured.
 *
 * Alice, Bob and Mallory are Node peers on the real stack (real client, mesh, wrtc) against
 * the real server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { accountHandshake } from '../../../src/client/account-handshake.js';
import type { DeviceId, SessionId, Topic } from '../../../src/core/ids.js';
import { openRendezvous, sealRendezvous, type RendezvousMessage } from '../../../src/net/rendezvous/rendezvous-message.js';
import { startAppServer, type AppServer } from '../../helpers/app-server.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';
import { diagnosePeer } from '../../helpers/peer-diagnosis.js';

let server: AppServer | null = null;
let staticDir = '';
const peers: NodePeer[] = [];

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.destroy()));
  await server?.close();
  server = null;
  if (staticDir) await rm(staticDir, { recursive: true, force: true });
});

async function start(): Promise<string> {
  staticDir = await mkdtemp(path.join(tmpdir(), 'parley-forged-'));
  server = await startAppServer({ staticDir });
  return server.url;
}

/**
 * A peer with a mailbox, as the app's joiners have. When Alice's add of Bob has not reached
 * Mallory by her turn, both add him: sibling epochs, then a merge; a Bob who takes his grant
 * after that is alone on a topic nobody is on any more, and only its mailbox tells him where
 * they went (docs/architecture.md §4.3). Without one he waited there, and the test failed
 * for that, not for a forgery (1 run in 10 under load).
 */
async function peer(url: string, name: string): Promise<NodePeer> {
  const p = await NodePeer.register({ serverUrl: url, name, mailbox: true });
  peers.push(p);
  return p;
}

/**
 * Mallory's forger. Every 100 ms, for each pair of sessions she saw on the conversation's
 * topic, she publishes WebRTC signals and relay offers "from" one "to" the other — sealed
 * properly and signed as well as she can (with her own device key: she has no other) — and
 * she replays, verbatim, every message Alice and Bob published (as anyone who knows only the
 * topic can). The topic and its key are those of the epoch she is in now: each join moves the
 * conversation to a new epoch, and a forger left on the one she started in reached nobody.
 */
function forge(mallory: NodePeer, id: Topic): () => void {
  const session = mallory.session(id);
  const signer = accountHandshake(() => mallory.account, mallory.verifyKeys);
  const seen = new Map<SessionId, DeviceId>();
  const captured: Array<[string, unknown]> = [];
  const onMessage = (t: string, data: unknown): void => {
    const { topic, signalingKey } = session.keys;
    if (t !== topic) return;
    void openRendezvous(signalingKey, topic, data, signer).then((opened) => {
      // The server hands her own publishes back: her forgeries, signed by her device, are not
      // Alice's or Bob's (taken for theirs, they addressed later forgeries to her own device
      // and were replayed again and again).
      if (!opened || opened.sender.device === mallory.device) return;
      seen.set(opened.message.from, opened.sender.device);
      if (captured.length < 200) captured.push([topic, data]);
    });
  };
  mallory.signaling.on('message', onMessage);
  const timer = setInterval(() => {
    for (const [topic, data] of captured.splice(0, 20)) mallory.signaling.publish(topic, data);
    const { topic, signalingKey } = session.keys;
    for (const from of seen.keys()) {
      for (const [to, toDevice] of seen) {
        if (from === to) continue;
        const forged: RendezvousMessage[] = [
          { t: 'signal', from, to, toDevice, signal: { candidate: { candidate: 'candidate:0 1 UDP 1 203.0.113.9 9 typ host', sdpMid: '0', sdpMLineIndex: 0 } } },
          { t: 'signal', from, to, toDevice, signal: { type: 'offer', sdp: 'v=0\r\nthis is not an offer\r\n' } },
          { t: 'relay', from, to, toDevice, addr: 'ab'.repeat(16), key: 'A'.repeat(43) },
        ];
        for (const m of forged) void sealRendezvous(signalingKey, topic, m, signer).then((sealed) => sealed && mallory.signaling.publish(topic, sealed));
      }
    }
  }, 100);
  return () => {
    clearInterval(timer);
    mallory.signaling.off('message', onMessage);
  };
}

/**
 * Counts the forgeries that reach `victim` on the topic it is on: messages to its session
 * that claim `claimed`'s session and that Mallory's device signed.
 */
function forgeriesReaching(victim: NodePeer, id: Topic, claimed: SessionId, mallory: DeviceId): { count: number; stop: () => void } {
  const session = victim.session(id);
  const verifier = accountHandshake(() => victim.account, victim.verifyKeys);
  const seen = { count: 0, stop: () => victim.signaling.off('message', onMessage) };
  const onMessage = (t: string, data: unknown): void => {
    const { topic, signalingKey } = session.keys;
    if (t !== topic) return;
    void openRendezvous(signalingKey, topic, data, verifier).then((opened) => {
      if (opened?.message.from === claimed && opened.message.to === victim.mesh.session && opened.sender.device === mallory) seen.count++;
    });
  };
  victim.signaling.on('message', onMessage);
  return seen;
}

describe('rendezvous messages are authenticated to their sender', () => {
  it('a member cannot keep two others from linking by forging their signals', async () => {
    const url = await start();
    const alice = await peer(url, 'Alice');
    const mallory = await peer(url, 'Mallory');
    const bob = await peer(url, 'Bob');
    const conversation = await alice.client.createConversation();
    const id = conversation.id;
    await mallory.join(conversation.inviteLink);
    await waitUntil(() => mallory.linkTo(alice.device) !== null, 'Mallory to link to Alice', 20_000);
    const stops = [forge(mallory, id)];
    try {
      await bob.join(conversation.inviteLink);
      const toAlice = forgeriesReaching(alice, id, bob.mesh.session, mallory.device);
      const toBob = forgeriesReaching(bob, id, alice.mesh.session, mallory.device);
      stops.push(toAlice.stop, toBob.stop);
      // Alice and Bob link to each other and keep the link while Mallory forges on.
      await waitUntil(
        () => {
          const link = alice.linkTo(bob.device);
          return link !== null && alice.syncing(id, link);
        },
        'Alice and Bob to link despite the forgeries',
        20_000,
      ).catch(async (error: unknown) => {
        // Say where it stopped: each side's links and rooms, and the newest log lines.
        throw new Error(`${(error as Error).message}\n${await diagnosePeer(alice, 'Alice')}\n${await diagnosePeer(bob, 'Bob')}`);
      });
      const link = alice.linkTo(bob.device)!;
      // Not a pause: forgeries in each one's name reach the other, on the topic they are on,
      // round after round (each round has an offer, a candidate and a relay offer) after the link opened.
      const [aliceBefore, bobBefore] = [toAlice.count, toBob.count];
      await waitUntil(() => toAlice.count >= aliceBefore + 30 && toBob.count >= bobBefore + 30, 'ten rounds of forgeries to reach Alice and Bob', 30_000);
      expect(link.isOpen).toBe(true);
      expect(alice.linkTo(bob.device)).toBe(link);
      expect(alice.syncing(id, link)).toBe(true);
    } finally {
      for (const s of stops) s();
    }
  });
});
