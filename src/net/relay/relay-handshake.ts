/**
 * The relay link's own end-to-end handshake (docs/protocol.md §3). A relayed link has no DTLS,
 * so the two sessions agree on keys themselves: each makes an ephemeral X25519 key pair
 * (WebCrypto) and sends the public half, with its relay address, through the authenticated
 * rendezvous. Both then compute
 *
 *   transcript = SHA-256("parley-relay/v1" ‖ both session ids ‖ both relay addresses ‖ both
 *                public keys), each pair ordered by session id
 *   keys       = HKDF-SHA-256(X25519 shared secret, salt = transcript, info = direction)
 *
 * giving one AES-GCM key per direction. The transcript hash is the channel binding the
 * identity hello and membership proofs sign, so a server that substitutes keys (to read or
 * write the link) ends up with two different transcripts, and neither hello verifies. Its first
 * 8 bytes tag every record, so stale records of an earlier relay link are told apart.
 */
import { asBufferSource, fromBase64Url, toBase64Url, toHex, utf8 } from '../../core/bytes.js';
import type { SessionId } from '../../core/ids.js';

export const RELAY_TAG_BYTES = 8;

/** This side's ephemeral key pair for one relay link. */
export interface RelayKeyPair {
  readonly privateKey: CryptoKey;
  /** Raw X25519 public key, base64url (43 characters). */
  readonly publicKey: string;
}

export interface RelaySide {
  readonly session: SessionId;
  /** Relay address, 32 hex characters. */
  readonly addr: string;
  /** Raw X25519 public key, base64url. */
  readonly key: string;
}

/** What both ends derive: per-direction keys, the record tag and the channel binding. */
export interface RelaySecrets {
  readonly sendKey: CryptoKey;
  readonly receiveKey: CryptoKey;
  /** First bytes of the transcript hash; every record of this link starts with it. */
  readonly tag: Uint8Array;
  /** `relay sha-256 <transcript hash hex>`: the same on both ends. */
  readonly binding: string;
}

export class RelayHandshakeError extends Error {
  override readonly name = 'RelayHandshakeError';
  constructor(
    readonly code: 'bad-key' | 'same-session',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export async function createRelayKeyPair(): Promise<RelayKeyPair> {
  const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: toBase64Url(raw) };
}

/** Derives the link's secrets; throws RelayHandshakeError for a malformed remote key. */
export async function deriveRelaySecrets(local: RelaySide, privateKey: CryptoKey, remote: RelaySide): Promise<RelaySecrets> {
  if (local.session === remote.session) throw new RelayHandshakeError('same-session', 'a relay link needs two sessions');
  const remoteRaw = fromBase64Url(remote.key);
  if (!remoteRaw || remoteRaw.length !== 32) throw new RelayHandshakeError('bad-key', 'the remote relay key is not 32 bytes');
  let shared: Uint8Array;
  try {
    const remoteKey = await crypto.subtle.importKey('raw', asBufferSource(remoteRaw), { name: 'X25519' }, false, []);
    shared = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: remoteKey }, privateKey, 256));
  } catch (cause) {
    // Low-order points and other invalid keys end here (WebCrypto refuses an all-zero secret).
    throw new RelayHandshakeError('bad-key', 'the remote relay key is not usable', { cause });
  }
  const [low, high] = local.session < remote.session ? [local, remote] : [remote, local];
  const transcript = utf8(['parley-relay/v1', low.session, high.session, low.addr, high.addr, low.key, high.key].join('\n'));
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', asBufferSource(transcript)));
  const base = await crypto.subtle.importKey('raw', asBufferSource(shared), 'HKDF', false, ['deriveKey']);
  const direction = async (label: string): Promise<CryptoKey> =>
    crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: asBufferSource(hash), info: asBufferSource(utf8(label)) }, base, { name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]);
  const [lowToHigh, highToLow] = await Promise.all([direction('parley relay low to high'), direction('parley relay high to low')]);
  const localIsLow = low === local;
  return {
    sendKey: localIsLow ? lowToHigh : highToLow,
    receiveKey: localIsLow ? highToLow : lowToHigh,
    tag: hash.slice(0, RELAY_TAG_BYTES),
    binding: `relay sha-256 ${toHex(hash)}`,
  };
}
