/**
 * The blind relay end to end in Node (docs/architecture.md §5.4, docs/protocol.md §1.2, §3):
 * the real server's relay routing, real SignalingClients, and peers whose WebRTC can find no
 * path (relay-only ICE policy, no TURN), as behind two symmetric NATs. Also the transport
 * contract on relay links through the real server, and live mailbox notices.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { SessionId } from '../../../src/core/ids.js';
import { createRelayKeyPair, deriveRelaySecrets } from '../../../src/net/relay/relay-handshake.js';
import { RelayMux } from '../../../src/net/relay/relay-mux.js';
import { SignalingClient, type SocketLike } from '../../../src/net/signaling-client.js';
import { transportContractCases, type TransportPair } from '../../contracts/transport-contract.js';
import { startAppServer, type AppServer } from '../../helpers/app-server.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';

let server: AppServer | null = null;
let staticDir = '';
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server?.close();
  server = null;
  if (staticDir) await rm(staticDir, { recursive: true, force: true });
});

async function start(): Promise<string> {
  staticDir = await mkdtemp(path.join(tmpdir(), 'parley-relay-'));
  server = await startAppServer({ staticDir });
  return server.url;
}

async function peer(url: string, name: string, options: { direct?: boolean; relay?: boolean; mailbox?: boolean } = {}): Promise<NodePeer> {
  const p = await NodePeer.register({ serverUrl: url, name, ...options });
  cleanups.push(() => p.destroy());
  return p;
}

const texts = (p: NodePeer, topic: string): string[] =>
  p
    .session(topic as never)
    .timeline.entries.filter((e) => e.kind === 'message')
    .map((e) => e.text);

describe('relay through the real server', () => {
  it('links two sessions with no direct path, and they chat both ways through it', async () => {
    const url = await start();
    const alice = await peer(url, 'Alice', { direct: false });
    const bob = await peer(url, 'Bob', { direct: false });
    const conversation = await alice.client.createConversation();
    await bob.join(conversation.inviteLink);
    const topic = conversation.id;
    await waitUntil(() => alice.session(topic).connection === 'relay' && bob.session(topic).connection === 'relay', 'both to link over the relay', 20_000);
    await alice.session(topic).send('Hello through the relay');
    await waitUntil(() => texts(bob, topic).includes('Hello through the relay'), 'Bob to receive', 10_000);
    await bob.session(topic).send('And back');
    await waitUntil(() => texts(alice, topic).includes('And back'), 'Alice to receive', 10_000);
    expect(alice.linkTo(bob.device)?.kind).toBe('relay');
  });

  it('passes the transport contract on relay links through the server', async () => {
    const url = await start();
    for (const c of transportContractCases) {
      const clients = [0, 1].map(() => new SignalingClient({ url, relay: true, createSocket: (u) => new WebSocket(u) as unknown as SocketLike }).start());
      try {
        await waitUntil(() => clients.every((s) => s.relayAddress !== null), 'relay addresses', 5_000);
        const [ka, kb] = await Promise.all([createRelayKeyPair(), createRelayKeyPair()]);
        const a = { session: 'contractA000' as SessionId, addr: clients[0]!.relayAddress!, key: ka.publicKey };
        const b = { session: 'contractB000' as SessionId, addr: clients[1]!.relayAddress!, key: kb.publicKey };
        const muxes = clients.map((s) => new RelayMux(s).start());
        const pair: TransportPair = {
          a: muxes[0]!.open(b.addr, await deriveRelaySecrets(a, ka.privateKey, b)),
          b: muxes[1]!.open(a.addr, await deriveRelaySecrets(b, kb.privateKey, a)),
          dispose: async () => muxes.forEach((m) => m.destroy()),
        };
        setTimeout(() => {
          (pair.a as ReturnType<RelayMux['open']>).start();
          (pair.b as ReturnType<RelayMux['open']>).start();
        }, 0);
        await c.run(pair).catch((error: Error) => {
          throw new Error(`${c.name}: ${error.message}`);
        });
        await pair.dispose();
      } finally {
        for (const s of clients) s.destroy();
      }
    }
  });
});

describe('live mailbox notices', () => {
  it('a write that goes to the mailbox reaches an online member who cannot link, long before the next periodic pull', async () => {
    const url = await start();
    // Neither a direct path nor the relay: the mailbox is the only way between them.
    const alice = await peer(url, 'Alice', { direct: false, relay: false, mailbox: true });
    const bob = await peer(url, 'Bob', { direct: false, relay: false, mailbox: true });
    const conversation = await alice.client.createConversation();
    const topic = conversation.id;
    await bob.join(conversation.inviteLink);
    // Bob learns of Alice's membership through the mailbox too; wait until he has pulled once.
    await waitUntil(() => bob.session(topic).members.otherIdentities().size > 0, 'Bob to see Alice as a member', 20_000);
    await alice.session(topic).send('Are you there?');
    // Periodic pulls come every 60 s; only a notice brings this in time.
    await waitUntil(() => texts(bob, topic).includes('Are you there?'), 'Bob to catch up through a notice', 15_000);
    expect(alice.linkTo(bob.device)).toBeNull();
  });
});
