/**
 * What peers publish on a conversation topic to find each other (docs/protocol.md §4).
 *
 * Every member holds the topic's signaling key, so a seal alone says only "a member sent
 * this". Each message is therefore also signed by the sending device (certificate and
 * signature inside the seal) over the message, the topic, a random nonce and the send time:
 * nobody can speak for another device, move a message to another topic, or replay one (the
 * rendezvous refuses stale times and nonces it has seen). Sealed JSON is padded to size
 * buckets (sealed-channel), so the server cannot tell an announce from a signal by length.
 */
import { randomBytes, toBase64Url } from '../../core/bytes.js';
import type { PeerIdentity } from '../../core/identity/handshake.js';
import { isId, type DeviceId, type SessionId } from '../../core/ids.js';
import { RELAY_ADDR } from '../../core/wire/signaling.js';
import type { Handshake } from '../policy.js';
import { openMessage, sealMessage } from '../sealed-channel.js';

/** Where an addressed message goes: one session of one device. */
interface Addressed {
  readonly to: SessionId;
  readonly toDevice: DeviceId;
}

export type RendezvousMessage =
  /** "I am here." Addressed, a reply asking that session to initiate. */
  | ({ readonly t: 'announce'; readonly from: SessionId } & (Addressed | { readonly to?: undefined; readonly toDevice?: undefined }))
  /** A WebRTC signal (offer, answer, candidate) for one session. */
  | ({ readonly t: 'signal'; readonly from: SessionId; readonly signal: unknown } & Addressed & OfAttempt)
  /**
   * An offer to link over the server's relay: the sender's relay address and an ephemeral
   * X25519 public key (base64url) for the relay handshake (docs/protocol.md §3).
   */
  | ({ readonly t: 'relay'; readonly from: SessionId; readonly addr: string; readonly key: string } & Addressed & OfAttempt);

/**
 * The link attempt a signal or relay offer belongs to (net/link-attempts.ts): absent from
 * builds before attempts, which ignore it (the signature covers it all the same).
 */
interface OfAttempt {
  readonly attempt?: string;
}

/** A message that opened and verified, with the device that signed it. */
export interface OpenedRendezvous {
  readonly message: RendezvousMessage;
  readonly sender: PeerIdentity;
  /** The sender's nonce (base64url) and send time (ms since epoch), for replay checks. */
  readonly nonce: string;
  readonly at: number;
}

export type RendezvousSigner = Pick<Handshake, 'signRendezvous' | 'verifyRendezvous'>;

const VERSION = 2;
const KEY = /^[A-Za-z0-9_-]{43}$/;
/** 16 random bytes, base64url: a nonce, and an attempt id. */
const NONCE = /^[A-Za-z0-9_-]{22}$/;

/** The signed part: the message fields, the topic, the nonce and the time; never cert or sig. */
function signedBody(topic: string, m: Record<string, unknown>): Record<string, unknown> {
  const { cert: _cert, sig: _sig, ...rest } = m;
  return { ...rest, topic };
}

/** Seals and signs a message; null before this device has an account to sign with. */
export async function sealRendezvous(key: CryptoKey, topic: string, message: RendezvousMessage, signer: RendezvousSigner, now = Date.now()): Promise<string | null> {
  const wire: Record<string, unknown> = { v: VERSION, ...message, n: toBase64Url(randomBytes(16)), ts: now };
  for (const field of Object.keys(wire)) if (wire[field] === undefined) delete wire[field];
  const signed = await signer.signRendezvous(signedBody(topic, wire));
  if (!signed) return null;
  return sealMessage(key, topic, { ...wire, cert: signed.cert, sig: signed.sig });
}

/** The message and its signer; null for anything not sealed for this topic, malformed, or not signed. */
export async function openRendezvous(key: CryptoKey, topic: string, data: unknown, verifier: RendezvousSigner): Promise<OpenedRendezvous | null> {
  const value = await openMessage(key, topic, data);
  const message = parseRendezvous(value);
  if (!message) return null;
  const wire = value as Record<string, unknown>;
  const sender = await verifier.verifyRendezvous(signedBody(topic, wire), wire.cert, wire.sig);
  if (!sender) return null;
  return { message, sender, nonce: wire.n as string, at: wire.ts as number };
}

/** The message fields of a well-formed wire object (signature not checked here). */
export function parseRendezvous(value: unknown): RendezvousMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (m.v !== VERSION || !isId(m.from) || typeof m.n !== 'string' || !NONCE.test(m.n) || typeof m.ts !== 'number' || !Number.isSafeInteger(m.ts)) return null;
  const addressed = isId(m.to) && isId(m.toDevice);
  const to = addressed ? { to: m.to as SessionId, toDevice: m.toDevice as DeviceId } : null;
  const from = m.from as SessionId;
  // A malformed attempt id refuses the message; a missing one is a build before attempts.
  if (m.attempt !== undefined && (typeof m.attempt !== 'string' || !NONCE.test(m.attempt))) return null;
  const attempt = m.attempt === undefined ? {} : { attempt: m.attempt as string };
  switch (m.t) {
    case 'announce':
      if (!to && (m.to !== undefined || m.toDevice !== undefined)) return null;
      return to ? { t: 'announce', from, ...to } : { t: 'announce', from };
    case 'signal':
      return to && typeof m.signal === 'object' && m.signal !== null ? { t: 'signal', from, ...to, signal: m.signal, ...attempt } : null;
    case 'relay':
      return to && typeof m.addr === 'string' && RELAY_ADDR.test(m.addr) && typeof m.key === 'string' && KEY.test(m.key) ? { t: 'relay', from, ...to, addr: m.addr, key: m.key, ...attempt } : null;
    default:
      return null;
  }
}

/**
 * The glare rule: of two sessions, the one with the smaller id always initiates, so two that
 * announce at the same moment never both send offers.
 */
export const initiates = (local: SessionId, remote: SessionId): boolean => local < remote;
