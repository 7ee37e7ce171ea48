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
import { accountHandshake } from '../../../src/client/account.js';
import type { DeviceId, SessionId, Topic } from '../../../src/core/ids.js';
import { openRendezvous, sealRendezvous, type RendezvousMessage } from '../../../src/net/rendezvous/rendezvous-message.js';
import { startAppServer, type AppServer } from '../../helpers/app-server.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';

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

async function peer(url: string, name: string): Promise<NodePeer> {
  const p = await NodePeer.register({ serverUrl: url, name });
  peers.push(p);
  return p;
}

/**
 * Mallory's forger. Every 100 ms, for each pair of sessions she saw on the topic, she
 * publishes WebRTC signals and relay offers "from" one "to" the other — sealed properly and
 * signed as well as she can (with her own device key: she has no other) — and she replays,
 * verbatim, every message Alice and Bob published (as anyone who knows only the topic can).
 */
function forge(mallory: NodePeer, topic: Topic): () => void {
  const key = mallory.session(topic).keys.signalingKey;
  const signer = accountHandshake(() => mallory.account, mallory.verifyKeys);
  const seen = new Map<SessionId, DeviceId>();
  const captured: unknown[] = [];
  const onMessage = (t: string, data: unknown): void => {
    if (t !== topic) return;
    void openRendezvous(key, topic, data, signer).then((opened) => {
      if (!opened || opened.message.from === mallory.mesh.session) return;
      seen.set(opened.message.from, opened.sender.device);
      if (captured.length < 200) captured.push(data);
    });
  };
  mallory.signaling.on('message', onMessage);
  const timer = setInterval(() => {
    for (const data of captured.splice(0, 20)) mallory.signaling.publish(topic, data);
    for (const from of seen.keys()) {
      for (const [to, toDevice] of seen) {
        if (from === to) continue;
        const forged: RendezvousMessage[] = [
          { t: 'signal', from, to, toDevice, signal: { candidate: { candidate: 'candidate:0 1 UDP 1 203.0.113.9 9 typ host', sdpMid: '0', sdpMLineIndex: 0 } } },
          { t: 'signal', from, to, toDevice, signal: { type: 'offer', sdp: 'v=0\r\nthis is not an offer\r\n' } },
          { t: 'relay', from, to, toDevice, addr: 'ab'.repeat(16), key: 'A'.repeat(43) },
        ];
        for (const m of forged) void sealRendezvous(key, topic, m, signer).then((sealed) => sealed && mallory.signaling.publish(topic, sealed));
      }
    }
  }, 100);
  return () => {
    clearInterval(timer);
    mallory.signaling.off('message', onMessage);
  };
}

describe('rendezvous messages are authenticated to their sender', () => {
  it('a member cannot keep two others from linking by forging their signals', async () => {
    const url = await start();
    const alice = await peer(url, 'Alice');
    const mallory = await peer(url, 'Mallory');
    const bob = await peer(url, 'Bob');
    const conversation = await alice.client.createConversation();
    const topic = conversation.id;
    await mallory.join(conversation.inviteLink);
    await waitUntil(() => mallory.linkTo(alice.device) !== null, 'Mallory to link to Alice', 20_000);
    const stop = forge(mallory, topic);
    try {
      await bob.join(conversation.inviteLink);
      // Alice and Bob link to each other and keep the link while Mallory forges on.
      await waitUntil(
        () => {
          const link = alice.linkTo(bob.device);
          return link !== null && alice.syncing(topic, link);
        },
        'Alice and Bob to link despite the forgeries',
        20_000,
      );
      const link = alice.linkTo(bob.device)!;
      await new Promise((r) => setTimeout(r, 3_000));
      expect(link.isOpen).toBe(true);
      expect(alice.linkTo(bob.device)).toBe(link);
    } finally {
      stop();
    }
  });
});
