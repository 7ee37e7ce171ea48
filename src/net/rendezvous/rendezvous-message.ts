/**
 * What peers publish on a conversation topic to find each other (docs/protocol.md §4),
 * sealed with the topic's signaling key (see sealed-channel).
 */
import { isId, type SessionId } from '../../core/ids.js';
import { RELAY_ADDR } from '../../core/wire/signaling.js';
import { openMessage, sealMessage } from '../sealed-channel.js';

export type RendezvousMessage =
  /** "I am here." With `to`, a reply asking that session to initiate. */
  | { readonly t: 'announce'; readonly from: SessionId; readonly to?: SessionId }
  /** A WebRTC signal (offer, answer, candidate) for one session. */
  | { readonly t: 'signal'; readonly from: SessionId; readonly to: SessionId; readonly signal: unknown }
  /**
   * An offer to link over the server's relay: the sender's relay address and an ephemeral
   * X25519 public key (base64url) for the relay handshake (docs/protocol.md §3).
   */
  | { readonly t: 'relay'; readonly from: SessionId; readonly to: SessionId; readonly addr: string; readonly key: string };

const KEY = /^[A-Za-z0-9_-]{43}$/;

export const sealRendezvous = (key: CryptoKey, topic: string, message: RendezvousMessage): Promise<string> => sealMessage(key, topic, message);

/** Null for anything not sealed under this key for this topic, or not well-formed. */
export async function openRendezvous(key: CryptoKey, topic: string, data: unknown): Promise<RendezvousMessage | null> {
  return parseRendezvous(await openMessage(key, topic, data));
}

export function parseRendezvous(value: unknown): RendezvousMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (!isId(m.from)) return null;
  if (m.t === 'announce' && (m.to === undefined || isId(m.to))) return m as RendezvousMessage;
  if (m.t === 'signal' && isId(m.to) && typeof m.signal === 'object' && m.signal !== null) return m as RendezvousMessage;
  if (m.t === 'relay' && isId(m.to) && typeof m.addr === 'string' && RELAY_ADDR.test(m.addr) && typeof m.key === 'string' && KEY.test(m.key)) return m as RendezvousMessage;
  return null;
}

/**
 * The glare rule: of two sessions, the one with the smaller id always initiates, so two that
 * announce at the same moment never both send offers.
 */
export const initiates = (local: SessionId, remote: SessionId): boolean => local < remote;
