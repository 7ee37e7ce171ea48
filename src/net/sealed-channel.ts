/**
 * JSON messages sealed for a topic: AES-GCM under the channel's key, with the topic as
 * associated data, carried as base64url text in a signaling publish. The server and anyone
 * on the topic without the key see opaque strings. Used by the peer rendezvous, contact
 * inboxes and device linking.
 *
 * The JSON is padded with spaces (which JSON.parse ignores) to the next size bucket before
 * sealing, so the length of a publish says only which bucket it is in: an announce, an ICE
 * candidate and a contact request look alike (docs/architecture.md §8).
 */
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../core/bytes.js';
import { open, seal } from '../core/sealed.js';

/** Sealed payloads larger than this are dropped unread. */
export const MAX_SEALED_CHARS = 48 * 1024;

/** Plaintext sizes sealed payloads are padded to; larger messages are not padded further. */
export const SEAL_BUCKETS = [1024, 4096, 16 * 1024, 32 * 1024] as const;

/** The JSON of `message`, padded to its bucket. */
export function padded(message: unknown): Uint8Array {
  const json = utf8(JSON.stringify(message));
  const bucket = SEAL_BUCKETS.find((b) => b >= json.length);
  if (bucket === undefined) return json;
  const out = new Uint8Array(bucket).fill(0x20);
  out.set(json);
  return out;
}

export async function sealMessage(key: CryptoKey, topic: string, message: unknown): Promise<string> {
  return toBase64Url(await seal(key, padded(message), utf8(topic)));
}

/** The parsed JSON, or null for anything not sealed under this key for this topic. */
export async function openMessage(key: CryptoKey, topic: string, data: unknown): Promise<unknown> {
  if (typeof data !== 'string' || data.length > MAX_SEALED_CHARS) return null;
  const sealed = fromBase64Url(data);
  if (!sealed) return null;
  try {
    return JSON.parse(fromUtf8(await open(key, sealed, utf8(topic))));
  } catch {
    return null;
  }
}
