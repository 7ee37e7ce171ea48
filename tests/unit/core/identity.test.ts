/**
 * Identity primitives (docs/architecture.md §4): 1:1 secret derivation is symmetric, signatures round-trip
 * and refuse tampering, safety numbers are stable and the same on both sides.
 */
import { describe, expect, it } from 'vitest';
import { createAccount } from '../../../src/client/account.js';
import { utf8 } from '../../../src/core/bytes.js';
import { issueCertificate, verifyCertificate } from '../../../src/core/identity/certificate.js';
import { contactLink, parseContactLink } from '../../../src/core/identity/contact-link.js';
import { createContactRequest, verifyContactRequest } from '../../../src/core/identity/contact-request.js';
import { createHello, verifyHello } from '../../../src/core/identity/handshake.js';
import { createDeviceKeys, createIdentityKeys, deviceIdOf, signBytes, VerifyKeyCache, type IdentityId } from '../../../src/core/identity/keys.js';
import { derivePairSecret } from '../../../src/core/identity/pairwise.js';
import { formatSafetyNumber, safetyNumber } from '../../../src/core/identity/safety-number.js';
import type { SessionId } from '../../../src/core/ids.js';
import { deriveConversationKeys } from '../../../src/core/keys.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('1:1 secret derivation', () => {
  it('both sides derive the same secret, and so the same topic and keys', async () => {
    const [alice, bob] = await Promise.all([createIdentityKeys(), createIdentityKeys()]);
    const ab = await derivePairSecret(alice, bob.public);
    const ba = await derivePairSecret(bob, alice.public);
    expect(ab).toHaveLength(32);
    expect(hex(ab)).toBe(hex(ba));
    expect((await deriveConversationKeys(ab)).topic).toBe((await deriveConversationKeys(ba)).topic);
  });

  it('a third identity derives something else with either of them', async () => {
    const [alice, bob, carol] = await Promise.all([createIdentityKeys(), createIdentityKeys(), createIdentityKeys()]);
    const ab = hex(await derivePairSecret(alice, bob.public));
    expect(hex(await derivePairSecret(carol, bob.public))).not.toBe(ab);
    expect(hex(await derivePairSecret(carol, alice.public))).not.toBe(ab);
  });

  it('matches an independent X25519 + HKDF computation (RFC 7748 / RFC 5869 via node:crypto)', async () => {
    const { generateKeyPairSync, diffieHellman, hkdfSync, createPublicKey } = await import('node:crypto');
    const nodeKeys = generateKeyPairSync('x25519');
    const rawPublic = nodeKeys.publicKey.export({ format: 'jwk' }).x!;
    const alice = await createIdentityKeys();
    const theirs = { sign: alice.public.sign, dh: rawPublic };
    const fromWebCrypto = await derivePairSecret(alice, theirs as never);
    const aliceDh = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: alice.public.dh }, format: 'jwk' });
    const shared = diffieHellman({ privateKey: nodeKeys.privateKey, publicKey: aliceDh });
    const pair = [alice.public.sign, theirs.sign].sort().join('\n');
    const expected = new Uint8Array(hkdfSync('sha256', shared, utf8('parley/v1'), utf8(`parley 1:1 secret\n${pair}`), 32));
    expect(hex(fromWebCrypto)).toBe(hex(expected));
  });
});

describe('signatures', () => {
  it('certificates verify, and fail when any field changes', async () => {
    const identity = await createIdentityKeys();
    const device = await createDeviceKeys();
    const keys = new VerifyKeyCache();
    const cert = await issueCertificate(identity, device.public, 1234);
    expect(await verifyCertificate(keys, cert)).toBe(true);
    const other = await createDeviceKeys();
    expect(await verifyCertificate(keys, { ...cert, device: other.public })).toBe(false);
    expect(await verifyCertificate(keys, { ...cert, created: 1235 })).toBe(false);
    expect(await verifyCertificate(keys, { ...cert, sig: cert.sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) })).toBe(false);
    expect(await verifyCertificate(keys, { nonsense: true })).toBe(false);
  });

  it('device ids come from device keys', async () => {
    const device = await createDeviceKeys();
    expect(device.id).toBe(deviceIdOf(device.public));
    expect(device.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('hello round-trips only for the same sessions and DTLS fingerprints', async () => {
    const a = await createAccount('Alice', 1);
    const keys = new VerifyKeyCache();
    const ctx = { from: 'sessionA00001' as SessionId, to: 'sessionB00001' as SessionId, fromBinding: 'sha-256 AA', toBinding: 'sha-256 BB' };
    const hello = await createHello(a.cert, a.device.signPrivate, ctx);
    const peer = await verifyHello(keys, hello, ctx);
    expect(peer).toMatchObject({ device: a.device.id, identity: a.identity.sign });
    expect(await verifyHello(keys, hello, { ...ctx, fromBinding: 'sha-256 CC' })).toBeNull();
    expect(await verifyHello(keys, hello, { ...ctx, to: 'sessionC00001' as SessionId })).toBeNull();
    expect(await verifyHello(keys, utf8('{"cert":1}'), ctx)).toBeNull();
  });

  it('contact requests verify only for their addressee', async () => {
    const a = await createAccount('Alice', 1);
    const bob = (await createIdentityKeys()).public.sign;
    const carol = (await createIdentityKeys()).public.sign;
    const request = await createContactRequest(a.cert, a.device.signPrivate, 'Alice', bob, 5);
    const keys = new VerifyKeyCache();
    expect(await verifyContactRequest(keys, request, bob)).not.toBeNull();
    expect(await verifyContactRequest(keys, request, carol)).toBeNull();
    expect(await verifyContactRequest(keys, { ...request, name: 'Mallory' }, bob)).toBeNull();
  });

  it('raw sign/verify round-trips and rejects other bytes', async () => {
    const d = await createDeviceKeys();
    const keys = new VerifyKeyCache();
    const sig = await signBytes(d.signPrivate, utf8('hello'));
    expect(await keys.verify(d.public, sig, utf8('hello'))).toBe(true);
    expect(await keys.verify(d.public, sig, utf8('hellO'))).toBe(false);
    expect(await keys.verify('not-a-key', sig, utf8('hello'))).toBe(false);
  });
});

describe('safety numbers', () => {
  const alice = { sign: 'ZQJ1mZPCjtzYbu6wR7RTvKFh9KLNbxjJI_IIHcIkSLc' as IdentityId, dh: 'hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo' };
  const bob = { sign: '3S_MZJ8oT7rRWOvZlfT2D0qG_IkXIuY9a3kAQEpYwB0' as IdentityId, dh: 'jjHrEjIgQ5y7J4S-FXTs8gHGU7hK5d3NyofLc8aKhXw' };

  it('are 60 digits, identical for both people, and stable across runs (pinned)', () => {
    const ab = safetyNumber(alice, bob);
    expect(ab).toMatch(/^\d{60}$/);
    expect(safetyNumber(bob, alice)).toBe(ab);
    expect(ab).toBe(safetyNumber({ ...alice }, { ...bob }));
    expect(formatSafetyNumber(ab).split(' ')).toHaveLength(12);
    expect(ab).toBe('127075832082680459146785870439573677761517627767987157234165');
  });

  it('change when either key changes', () => {
    const base = safetyNumber(alice, bob);
    expect(safetyNumber({ ...alice, dh: bob.dh }, bob)).not.toBe(base);
    expect(safetyNumber(alice, { ...bob, sign: alice.sign })).not.toBe(base);
  });
});

describe('contact links', () => {
  it('round-trip keys, name and link secret through the fragment', async () => {
    const identity = (await createIdentityKeys()).public;
    const secret = new Uint8Array(16).fill(7);
    const link = contactLink('https://parley.example/app', { identity, name: 'Zoë', linkSecret: secret });
    expect(new URL(link).pathname).toBe('/app');
    const card = parseContactLink(link);
    expect(card.identity).toEqual(identity);
    expect(card.name).toBe('Zoë');
    expect(Array.from(card.linkSecret)).toEqual(Array.from(secret));
    expect(() => parseContactLink('https://parley.example/#contact=AAAA')).toThrow(/damaged/);
    expect(() => parseContactLink('https://parley.example/')).toThrow(/not a Parley contact link/);
  });
});
