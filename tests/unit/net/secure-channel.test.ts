/** Rendezvous sealing and membership proofs (docs/protocol.md §2, §4). */
import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../../src/core/bytes.js';
import type { SessionId } from '../../../src/core/ids.js';
import { deriveConversationKeys } from '../../../src/core/keys.js';
import { proveMembership, verifyMembership, type ProofContext } from '../../../src/net/membership.js';
import { accountHandshake } from '../../../src/client/account-handshake.js';
import { fromBase64Url } from '../../../src/core/bytes.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { open } from '../../../src/core/sealed.js';
import { openRendezvous, sealRendezvous } from '../../../src/net/rendezvous/rendezvous-message.js';
import { SEAL_BUCKETS, sealMessage } from '../../../src/net/sealed-channel.js';
import { testAccount } from '../../helpers/signed-docs.js';

const S1 = 'sessionOne001' as SessionId;
const S2 = 'sessionTwo001' as SessionId;

describe('rendezvous payloads', () => {
  it('open only under the same key and topic, and name the signing device', async () => {
    const account = await testAccount('Alice');
    const signer = accountHandshake(() => account, new VerifyKeyCache());
    const keys = await deriveConversationKeys(randomBytes(32));
    const other = await deriveConversationKeys(randomBytes(32));
    const sealed = (await sealRendezvous(keys.signalingKey, keys.topic, { t: 'announce', from: S1 }, signer))!;
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    const opened = await openRendezvous(keys.signalingKey, keys.topic, sealed, signer);
    expect(opened?.message).toEqual({ t: 'announce', from: S1 });
    expect(opened?.sender.device).toBe(account.device.id);
    expect(await openRendezvous(other.signalingKey, keys.topic, sealed, signer)).toBeNull();
    expect(await openRendezvous(keys.signalingKey, other.topic, sealed, signer)).toBeNull();
    expect(await openRendezvous(keys.signalingKey, keys.topic, { t: 'announce', from: S1 }, signer)).toBeNull();
    expect(await openRendezvous(keys.signalingKey, keys.topic, 'x'.repeat(100_000), signer)).toBeNull();
  });

  it('refuse a well-sealed message whose signature does not cover what it says', async () => {
    const account = await testAccount('Mallory');
    const signer = accountHandshake(() => account, new VerifyKeyCache());
    const keys = await deriveConversationKeys(randomBytes(32));
    // Signed for one session, then re-sealed claiming another.
    const honest = (await sealRendezvous(keys.signalingKey, keys.topic, { t: 'announce', from: S1 }, signer))!;
    const wire = JSON.parse(new TextDecoder().decode(await open(keys.signalingKey, fromBase64Url(honest)!, new TextEncoder().encode(keys.topic)))) as Record<string, unknown>;
    const forged = await sealMessage(keys.signalingKey, keys.topic, { ...wire, from: S2 });
    expect(await openRendezvous(keys.signalingKey, keys.topic, forged, signer)).toBeNull();
    // No signature at all.
    const { cert: _c, sig: _s, ...unsigned } = wire;
    expect(await openRendezvous(keys.signalingKey, keys.topic, await sealMessage(keys.signalingKey, keys.topic, unsigned), signer)).toBeNull();
    const bad = await sealRendezvous(keys.signalingKey, keys.topic, { t: 'signal', from: S1, to: S2, toDevice: account.device.id, signal: 'not an object' } as never, signer);
    expect(await openRendezvous(keys.signalingKey, keys.topic, bad, signer)).toBeNull();
  });

  it('pad every sealed payload to a size bucket', async () => {
    const account = await testAccount('Alice');
    const signer = accountHandshake(() => account, new VerifyKeyCache());
    const keys = await deriveConversationKeys(randomBytes(32));
    const announce = (await sealRendezvous(keys.signalingKey, keys.topic, { t: 'announce', from: S1 }, signer))!;
    const candidate = (await sealRendezvous(keys.signalingKey, keys.topic, { t: 'signal', from: S1, to: S2, toDevice: account.device.id, signal: { candidate: { candidate: 'candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0', sdpMid: '0' } } }, signer))!;
    expect(announce.length).toBe(candidate.length);
    const lengths = new Set(SEAL_BUCKETS.map((b) => Math.ceil(((b + 28) * 4) / 3)));
    expect(lengths.has(announce.length)).toBe(true);
  });
});

describe('membership proof', () => {
  it('verifies only for the same secret, sessions and DTLS fingerprints', async () => {
    const keys = await deriveConversationKeys(randomBytes(32));
    const stranger = await deriveConversationKeys(randomBytes(32));
    const ctx: ProofContext = { topic: keys.topic, from: S1, to: S2, fromBinding: 'sha-256 AA', toBinding: 'sha-256 BB' };
    const proof = await proveMembership(keys.authKey, ctx);
    expect(await verifyMembership(keys.authKey, ctx, proof)).toBe(true);
    expect(await verifyMembership(stranger.authKey, ctx, proof)).toBe(false);
    expect(await verifyMembership(keys.authKey, { ...ctx, toBinding: 'sha-256 CC' }, proof)).toBe(false);
    expect(await verifyMembership(keys.authKey, { ...ctx, from: S2, to: S1 }, proof)).toBe(false);
    expect(await verifyMembership(keys.authKey, ctx, proof.slice(0, 31))).toBe(false);
  });
});
