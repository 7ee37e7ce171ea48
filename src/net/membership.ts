/**
 * Proof of conversation membership on a link (docs/protocol.md §2).
 *
 * Knowing a conversation's topic is not enough to join it: the server and anyone who saw
 * a link's public part know the topic. A peer proves it holds the conversation secret with
 * an HMAC under the derived auth key over the topic, both session ids and the channel
 * binding of the path its stream began on (DTLS fingerprints, or the relay transcript hash),
 * so a proof seen on one connection cannot be replayed on another.
 */
import { asBufferSource, utf8 } from '../core/bytes.js';
import type { SessionId, Topic } from '../core/ids.js';

export interface ProofContext {
  readonly topic: Topic;
  readonly from: SessionId;
  readonly to: SessionId;
  readonly fromBinding: string;
  readonly toBinding: string;
}

const transcript = (c: ProofContext): Uint8Array => utf8(['parley-join/v2', c.topic, c.from, c.to, c.fromBinding, c.toBinding].join('\n'));

export async function proveMembership(authKey: CryptoKey, context: ProofContext): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', authKey, asBufferSource(transcript(context))));
}

/** Constant-time check (WebCrypto's HMAC verify). */
export async function verifyMembership(authKey: CryptoKey, context: ProofContext, proof: Uint8Array): Promise<boolean> {
  if (proof.length !== 32) return false;
  return crypto.subtle.verify('HMAC', authKey, asBufferSource(proof), asBufferSource(transcript(context)));
}
