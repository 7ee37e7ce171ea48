/**
 * Deterministic accounts and documents, so a fuzz run is reproducible byte for byte: keys
 * come from fixed seeds (Ed25519 signatures are deterministic), Yjs client ids and event ids
 * are chosen, and timestamps come from the shared test clock. A failing case number then
 * names the same update on every run.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { asBufferSource, fromBase64Url, toBase64Url, utf8 } from '../../src/core/bytes.js';
import { createEvent, type ConversationEvent, type UnsignedEvent } from '../../src/core/events.js';
import { issueCertificate } from '../../src/core/identity/certificate.js';
import { deviceIdOf, VerifyKeyCache, type IdentityId, type IdentityKeys } from '../../src/core/identity/keys.js';
import type { DocSchema } from '../../src/core/authorship/schema.js';
import { LOCAL_ORIGIN, SyncedDoc } from '../../src/client/synced-doc.js';
import type { Account } from '../../src/store/types.js';
import { openSchema, tick } from './signed-docs.js';

const PKCS8_PREFIX = {
  Ed25519: Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]),
  X25519: Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]),
};

const seedOf = (label: string): Uint8Array => sha256(utf8(`parley fuzz fixture/${label}`));

async function keyPair(alg: 'Ed25519' | 'X25519', label: string): Promise<{ privateKey: CryptoKey; publicKey: string }> {
  const pkcs8 = new Uint8Array(48);
  pkcs8.set(PKCS8_PREFIX[alg]);
  pkcs8.set(seedOf(label), 16);
  const usages: KeyUsage[] = alg === 'Ed25519' ? ['sign'] : ['deriveBits'];
  const privateKey = await crypto.subtle.importKey('pkcs8', asBufferSource(pkcs8), { name: alg }, true, usages);
  const jwk = await crypto.subtle.exportKey('jwk', privateKey);
  if (!jwk.x || fromBase64Url(jwk.x)?.length !== 32) throw new Error(`no public key for ${label}`);
  return { privateKey, publicKey: jwk.x };
}

/** The same account, keys included, every time for the same name. */
export async function fixedAccount(name: string): Promise<Account> {
  const sign = await keyPair('Ed25519', `${name}/identity`);
  const dh = await keyPair('X25519', `${name}/dh`);
  const device = await keyPair('Ed25519', `${name}/device`);
  const identity: IdentityKeys = {
    public: { sign: sign.publicKey as IdentityId, dh: dh.publicKey },
    signPrivate: sign.privateKey,
    dhPrivate: dh.privateKey,
  };
  const createdAt = 1_600_000_000_000;
  return {
    name,
    createdAt,
    identity: identity.public,
    identityKeys: { signPrivate: sign.privateKey, dhPrivate: dh.privateKey },
    device: { id: deviceIdOf(device.publicKey), public: device.publicKey, signPrivate: device.privateKey },
    // A fixed creation time long ago: the certificate must outlive every test run.
    cert: await issueCertificate(identity, device.publicKey, createdAt, 200 * 365 * 24 * 60 * 60 * 1000),
    selfSecret: toBase64Url(seedOf(`${name}/self`)),
    contactSecret: toBase64Url(seedOf(`${name}/contact`).subarray(0, 16)),
  };
}

/**
 * A signed doc writing under a reproducible Yjs client id (bound to the device key by a
 * nonce made from `seed`), with its member record written.
 */
export async function fixedMemberDoc(account: Account, seed: number, schema: DocSchema = openSchema(), keys = new VerifyKeyCache()): Promise<SyncedDoc> {
  const nonce = toBase64Url(sha256(utf8(`parley fuzz nonce/${seed}`)).subarray(0, 8));
  const doc = new SyncedDoc({ account, schema, keys, now: tick, clientNonce: nonce });
  await doc.ensureMember(account.name, undefined);
  return doc;
}

let eventCounter = 0;

/** Like `say`, with event ids from a counter instead of random bytes. */
export async function sayFixed(doc: SyncedDoc, ...texts: string[]): Promise<ConversationEvent[]> {
  const events = texts.map((text) => ({ ...createEvent({ kind: 'message', text }, doc.account.device.id, tick()), id: `${doc.account.device.id}.fuzz${String(eventCounter++).padStart(8, '0')}` }) as UnsignedEvent);
  return (await doc.writer.appendEvents(events, LOCAL_ORIGIN)).events;
}
