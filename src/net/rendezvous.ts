/**
 * What peers publish on a conversation topic to find each other. Every payload is sealed
 * with the topic's signaling key and bound to the topic as associated data, so the server
 * (and anyone else on the topic without the secret) sees only opaque base64url strings.
 */
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../core/bytes.js';
import { isId, type SessionId } from '../core/ids.js';
import { open, seal } from '../core/sealed.js';

export type RendezvousMessage =
  /** "I am here." With `to`, a reply asking that session to initiate. */
  | { readonly t: 'announce'; readonly from: SessionId; readonly to?: SessionId }
  /** A WebRTC signal (offer, answer, candidate) for one session. */
  | { readonly t: 'signal'; readonly from: SessionId; readonly to: SessionId; readonly signal: unknown };

/** Sealed payloads larger than this are dropped unread: SDP offers are a few KiB. */
const MAX_SEALED_CHARS = 48 * 1024;

export async function sealRendezvous(key: CryptoKey, topic: string, message: RendezvousMessage): Promise<string> {
  return toBase64Url(await seal(key, utf8(JSON.stringify(message)), utf8(topic)));
}

/** Null for anything not sealed under this key for this topic, or not well-formed. */
export async function openRendezvous(key: CryptoKey, topic: string, data: unknown): Promise<RendezvousMessage | null> {
  if (typeof data !== 'string' || data.length > MAX_SEALED_CHARS) return null;
  const sealed = fromBase64Url(data);
  if (!sealed) return null;
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(await open(key, sealed, utf8(topic))));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (!isId(m.from)) return null;
  if (m.t === 'announce' && (m.to === undefined || isId(m.to))) return m as RendezvousMessage;
  if (m.t === 'signal' && isId(m.to) && typeof m.signal === 'object' && m.signal !== null) return m as RendezvousMessage;
  return null;
}
