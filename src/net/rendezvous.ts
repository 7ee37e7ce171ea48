/**
 * What peers publish on a conversation topic to find each other, sealed with the topic's
 * signaling key (see sealed-channel).
 */
import { isId, type SessionId } from '../core/ids.js';
import { openMessage, sealMessage } from './sealed-channel.js';

export type RendezvousMessage =
  /** "I am here." With `to`, a reply asking that session to initiate. */
  | { readonly t: 'announce'; readonly from: SessionId; readonly to?: SessionId }
  /** A WebRTC signal (offer, answer, candidate) for one session. */
  | { readonly t: 'signal'; readonly from: SessionId; readonly to: SessionId; readonly signal: unknown };

export const sealRendezvous = (key: CryptoKey, topic: string, message: RendezvousMessage): Promise<string> => sealMessage(key, topic, message);

/** Null for anything not sealed under this key for this topic, or not well-formed. */
export async function openRendezvous(key: CryptoKey, topic: string, data: unknown): Promise<RendezvousMessage | null> {
  const value = await openMessage(key, topic, data);
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (!isId(m.from)) return null;
  if (m.t === 'announce' && (m.to === undefined || isId(m.to))) return m as RendezvousMessage;
  if (m.t === 'signal' && isId(m.to) && typeof m.signal === 'object' && m.signal !== null) return m as RendezvousMessage;
  return null;
}
