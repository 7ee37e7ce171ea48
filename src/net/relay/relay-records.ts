/**
 * Records of a relay link (docs/protocol.md §3): what travels as the payload of a relay frame.
 *
 *   record     = tag (8 bytes) ‖ AES-GCM(direction key, iv = 0⁴ ‖ counter u64 BE, aad = tag,
 *                                       plaintext)
 *   plaintext  = type u8 ‖ body
 *
 * The counter is not sent: each direction's records are numbered 0, 1, 2, … and the receiver
 * opens record n with nonce n. A replayed, reordered, dropped or injected record therefore
 * fails to open, and the link closes.
 */
import { asBufferSource, concatBytes } from '../../core/bytes.js';
import { RELAY_TAG_BYTES } from './relay-handshake.js';

export const RecordTypes = {
  /** First record each way: proves the sender derived the same keys. Empty body. */
  confirm: 0,
  /** One message of the transport. */
  data: 1,
  /** Flow control: varuint, total data bytes the sender of the ack has taken so far. */
  ack: 2,
  /** The sender closed the link. Empty body. */
  close: 3,
} as const;
export type RecordType = (typeof RecordTypes)[keyof typeof RecordTypes];

const GCM_TAG_BYTES = 16;
/** Bytes a record adds around its body. */
export const RECORD_OVERHEAD = RELAY_TAG_BYTES + GCM_TAG_BYTES + 1;

function nonce(counter: number): Uint8Array<ArrayBuffer> {
  const iv = new Uint8Array(12);
  const view = new DataView(iv.buffer);
  view.setUint32(4, Math.floor(counter / 2 ** 32));
  view.setUint32(8, counter >>> 0);
  return iv;
}

export async function sealRecord(key: CryptoKey, tag: Uint8Array, counter: number, type: RecordType, body: Uint8Array): Promise<Uint8Array> {
  const plaintext = new Uint8Array(1 + body.length);
  plaintext[0] = type;
  plaintext.set(body, 1);
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce(counter), additionalData: asBufferSource(tag) }, key, asBufferSource(plaintext));
  return concatBytes(tag, new Uint8Array(ct));
}

/** The record's type and body, or null when it does not open as record `counter` of this link. */
export async function openRecord(key: CryptoKey, tag: Uint8Array, counter: number, record: Uint8Array): Promise<{ type: number; body: Uint8Array } | null> {
  if (record.length < RECORD_OVERHEAD) return null;
  try {
    const plaintext = new Uint8Array(
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce(counter), additionalData: asBufferSource(tag) }, key, asBufferSource(record.subarray(RELAY_TAG_BYTES))),
    );
    return { type: plaintext[0]!, body: plaintext.subarray(1) };
  } catch {
    return null;
  }
}
