/** Rendezvous sealing and membership proofs (ARCHITECTURE §4, §5). */
import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../../src/core/bytes.js';
import type { SessionId } from '../../../src/core/ids.js';
import { deriveConversationKeys } from '../../../src/core/keys.js';
import { proveMembership, verifyMembership, type ProofContext } from '../../../src/net/membership.js';
import { openRendezvous, sealRendezvous } from '../../../src/net/rendezvous/rendezvous-message.js';

const S1 = 'sessionOne001' as SessionId;
const S2 = 'sessionTwo001' as SessionId;

describe('rendezvous payloads', () => {
  it('open only under the same key and topic', async () => {
    const keys = await deriveConversationKeys(randomBytes(32));
    const other = await deriveConversationKeys(randomBytes(32));
    const sealed = await sealRendezvous(keys.signalingKey, keys.topic, { t: 'announce', from: S1 });
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await openRendezvous(keys.signalingKey, keys.topic, sealed)).toEqual({ t: 'announce', from: S1 });
    expect(await openRendezvous(other.signalingKey, keys.topic, sealed)).toBeNull();
    expect(await openRendezvous(keys.signalingKey, other.topic, sealed)).toBeNull();
    expect(await openRendezvous(keys.signalingKey, keys.topic, { t: 'announce', from: S1 })).toBeNull();
    expect(await openRendezvous(keys.signalingKey, keys.topic, 'x'.repeat(100_000))).toBeNull();
  });

  it('reject well-sealed but malformed messages', async () => {
    const keys = await deriveConversationKeys(randomBytes(32));
    const bad = await sealRendezvous(keys.signalingKey, keys.topic, { t: 'signal', from: S1, to: S2, signal: 'not an object' } as never);
    expect(await openRendezvous(keys.signalingKey, keys.topic, bad)).toBeNull();
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
