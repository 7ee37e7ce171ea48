/**
 * The rendezvous (docs/protocol.md §4) over an in-memory server: what someone who knows only
 * the topic can do with captured messages (replay them), and what a member can do with the
 * key (seal anything, sign only as herself).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { accountHandshake } from '../../../src/client/account-handshake.js';
import { randomBytes } from '../../../src/core/bytes.js';
import type { PeerIdentity } from '../../../src/core/identity/handshake.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import type { SessionId, Topic } from '../../../src/core/ids.js';
import { deriveConversationKeys } from '../../../src/core/keys.js';
import { silentLogger } from '../../../src/core/logger.js';
import { sealRendezvous, type RendezvousMessage } from '../../../src/net/rendezvous/rendezvous-message.js';
import { Rendezvous } from '../../../src/net/rendezvous/rendezvous.js';
import { MemorySignalingHub } from '../../helpers/memory-signaling.js';
import { testAccount } from '../../helpers/signed-docs.js';

const made: Rendezvous[] = [];
afterEach(() => made.splice(0).forEach((r) => r.destroy()));

async function until(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function side(hub: MemorySignalingHub, session: string, now?: () => number, reannounceMs = 60_000) {
  const account = await testAccount(session);
  const signer = accountHandshake(() => account, new VerifyKeyCache());
  const port = hub.port().connect();
  const rendezvous = new Rendezvous({ port, session: session as SessionId, logger: silentLogger, reannounceMs, lonely: () => false, signer, ...(now ? { now } : {}) });
  rendezvous.start();
  made.push(rendezvous);
  const received: Array<{ message: RendezvousMessage; sender: PeerIdentity }> = [];
  rendezvous.on('message', (_topic, message, sender) => received.push({ message, sender }));
  return { account, signer, port, rendezvous, received };
}

describe('rendezvous', () => {
  it('delivers a signed announce once, naming the device, and refuses it replayed verbatim', async () => {
    const hub = new MemorySignalingHub();
    const keys = await deriveConversationKeys(randomBytes(32));
    const alice = await side(hub, 'aliceSession');
    const bob = await side(hub, 'bobSession0');
    bob.rendezvous.open(keys.topic, keys.signalingKey);
    alice.rendezvous.open(keys.topic, keys.signalingKey);
    await until(() => bob.received.length === 1, 'the announce');
    expect(bob.received[0]!.message).toEqual({ t: 'announce', from: 'aliceSession' });
    expect(bob.received[0]!.sender.device).toBe(alice.account.device.id);
    // Eve knows the topic (as the server does) and republishes what she captured.
    const eve = hub.port().connect();
    eve.subscribe(keys.topic);
    const captured = hub.published.filter((p) => p.from === alice.port).map((p) => p.data);
    for (let i = 0; i < 3; i++) for (const data of captured) eve.publish(keys.topic, data);
    await new Promise((r) => setTimeout(r, 100));
    expect(bob.received.length).toBe(1);
  });

  it('refuses messages sent long ago or far in the future (a replay after the nonce memory)', async () => {
    const hub = new MemorySignalingHub();
    const keys = await deriveConversationKeys(randomBytes(32));
    const bob = await side(hub, 'bobSession0');
    bob.rendezvous.open(keys.topic, keys.signalingKey);
    const mallory = await testAccount('Mallory');
    const signer = accountHandshake(() => mallory, new VerifyKeyCache());
    const port = hub.port().connect();
    const hour = 60 * 60_000;
    const sent: Array<[string, number]> = [
      ['sentLongAgo0', Date.now() - hour],
      ['sentInFuture', Date.now() + hour],
      ['sentJustNow0', Date.now()],
    ];
    for (const [from, at] of sent) port.publish(keys.topic, await sealRendezvous(keys.signalingKey, keys.topic as Topic, { t: 'announce', from: from as SessionId }, signer, at));
    await until(() => bob.received.length === 1, 'the fresh one');
    await new Promise((r) => setTimeout(r, 50));
    expect(bob.received.map((r) => r.message.from)).toEqual(['sentJustNow0']);
  });

  it('ignores messages addressed to another session or another device of this session', async () => {
    const hub = new MemorySignalingHub();
    const keys = await deriveConversationKeys(randomBytes(32));
    const alice = await side(hub, 'aliceSession');
    const bob = await side(hub, 'bobSession0');
    bob.rendezvous.open(keys.topic, keys.signalingKey);
    alice.rendezvous.open(keys.topic, keys.signalingKey);
    await until(() => bob.received.length === 1 && alice.received.length === 1, 'both announces');
    const other = await testAccount('Other');
    alice.rendezvous.send(keys.topic, { t: 'signal', from: 'aliceSession' as SessionId, to: 'bobSession0' as SessionId, toDevice: other.device.id, signal: { x: 1 } });
    alice.rendezvous.send(keys.topic, { t: 'signal', from: 'aliceSession' as SessionId, to: 'carolSession' as SessionId, toDevice: bob.account.device.id, signal: { x: 2 } });
    alice.rendezvous.send(keys.topic, { t: 'signal', from: 'aliceSession' as SessionId, to: 'bobSession0' as SessionId, toDevice: bob.account.device.id, signal: { x: 3 } });
    await until(() => bob.received.length === 2, 'the one addressed to Bob');
    await new Promise((r) => setTimeout(r, 50));
    expect(bob.received.map((r) => (r.message as { signal?: unknown }).signal ?? null)).toEqual([null, { x: 3 }]);
  });

  it('forgets nonces once their messages could no longer be accepted', async () => {
    const hub = new MemorySignalingHub();
    const keys = await deriveConversationKeys(randomBytes(32));
    let now = Date.now();
    // Bob's periodic round (every 20 ms here) forgets nonces older than the replay window.
    const bob = await side(hub, 'bobSession0', () => now, 20);
    const alice = await side(hub, 'aliceSession', () => now);
    bob.rendezvous.open(keys.topic, keys.signalingKey);
    alice.rendezvous.open(keys.topic, keys.signalingKey);
    for (let i = 0; i < 5; i++) alice.rendezvous.announce(keys.topic);
    await until(() => bob.received.length === 6, 'six announces');
    expect(bob.rendezvous.nonceCount).toBe(6);
    now += 60 * 60_000;
    await until(() => bob.rendezvous.nonceCount === 0, 'old nonces to be forgotten');
  });
});
