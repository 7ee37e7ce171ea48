/**
 * Proof of conversation membership on a data channel.
 *
 * Knowing a conversation's topic is not enough to join it: the server and anyone who saw
 * a link's public part know the topic. A peer proves it holds the conversation secret with
 * an HMAC under the derived auth key over both session ids and both DTLS fingerprints. The
 * fingerprints bind the proof to this one DTLS session, so a proof seen on one connection
 * cannot be replayed on another.
 */
import { asBufferSource, utf8 } from '../core/bytes.js';
import type { SessionId, Topic } from '../core/ids.js';

export interface ProofContext {
  readonly topic: Topic;
  readonly from: SessionId;
  readonly to: SessionId;
  readonly fromFingerprint: string;
  readonly toFingerprint: string;
}

const transcript = (c: ProofContext): Uint8Array =>
  utf8(['parley-join/v1', c.topic, c.from, c.to, c.fromFingerprint, c.toFingerprint].join('\n'));

export async function proveMembership(authKey: CryptoKey, context: ProofContext): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', authKey, asBufferSource(transcript(context))));
}

/** Constant-time check (WebCrypto's HMAC verify). */
export async function verifyMembership(authKey: CryptoKey, context: ProofContext, proof: Uint8Array): Promise<boolean> {
  if (proof.length !== 32) return false;
  return crypto.subtle.verify('HMAC', authKey, asBufferSource(proof), asBufferSource(transcript(context)));
}
