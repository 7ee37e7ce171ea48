/**
 * Web Push wake-ups (docs/architecture.md §6.3, §7.4; docs/protocol.md §6). After a mailbox append the server sends each
 * subscription following that mailbox a push whose payload says only which mailbox and
 * which sequence number — padded to a fixed size so its length reveals nothing — and the
 * service worker fetches, decrypts and shows the message itself.
 *
 *   GET    /api/push/vapid          → 200 { publicKey }  (base64url, uncompressed P-256)
 *   POST   /api/push/subscription   JSON { subscription: { endpoint, keys: { p256dh, auth } },
 *                                          mailboxes: [{ id, token }] } → 201 { mailboxes }
 *          Each token must hash to its mailbox id: only members can follow a mailbox.
 *          Posting again replaces the set of mailboxes the subscription follows.
 *          400 malformed (endpoint must be https:), 403 a token does not open its id,
 *          413 body over 256 KiB. X-Parley-Exclude (see mailbox) is the hex SHA-256 of
 *          the endpoint string's UTF-8 bytes, exactly as registered.
 *   DELETE /api/push/subscription   JSON { endpoint } → 204
 */

export const PUSH_PATH = '/api/push';

/** Mailboxes one subscription may follow; a device in more conversations follows the newest. */
export const MAX_PUSH_MAILBOXES = 1000;

/** Every push payload is exactly this many bytes of UTF-8 JSON (well under 3,000). */
export const PUSH_PAYLOAD_BYTES = 256;

export interface PushPayload {
  readonly v: 1;
  /** Mailbox id (hex). */
  readonly mailbox: string;
  /** Sequence number of the new entry. */
  readonly seq: number;
}

/** Serialises a payload padded with spaces to exactly PUSH_PAYLOAD_BYTES. */
export function encodePushPayload(payload: PushPayload): string {
  const json = JSON.stringify(payload);
  if (json.length > PUSH_PAYLOAD_BYTES) throw new Error('push payload too long');
  return json + ' '.repeat(PUSH_PAYLOAD_BYTES - json.length);
}

export function parsePushPayload(text: string): PushPayload | null {
  try {
    const p = JSON.parse(text) as Record<string, unknown>;
    if (p.v !== 1 || typeof p.mailbox !== 'string' || !/^[0-9a-f]{64}$/.test(p.mailbox)) return null;
    if (typeof p.seq !== 'number' || !Number.isSafeInteger(p.seq) || p.seq < 1) return null;
    return { v: 1, mailbox: p.mailbox, seq: p.seq };
  } catch {
    return null;
  }
}

export interface PushSubscriptionJson {
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}
