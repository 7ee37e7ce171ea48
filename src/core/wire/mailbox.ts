/**
 * The blind mailbox API (docs/architecture.md §6.3, §7.2; docs/protocol.md §5), shared by the server and every client.
 *
 * A mailbox holds sealed Yjs updates for members who are offline. Its id is the SHA-256 of
 * its bearer token (hex), so the server checks a token without storing it and nobody can
 * squat on a mailbox id they cannot present the token for. The token and the AES-GCM key
 * that seals entries are both derived from the conversation secret; the server sees
 * neither the secret, nor the topic relation, nor any plaintext.
 *
 *   POST   /api/mailbox/:id                 append one sealed entry → 201 { seq }
 *          headers: Authorization: Bearer <token>, Content-Type: application/octet-stream
 *          optional X-Parley-Snapshot: <seq>  — this entry covers every entry ≤ seq, which
 *                                              the server then deletes (compaction)
 *          optional X-Parley-Exclude: <push endpoint SHA-256 hex> — the writer's own
 *                                              subscription, which gets no push
 *   GET    /api/mailbox/:id?after=<seq>&limit=<n>  → 200 { entries: [{ seq, at, data }], more }
 *          (`data` is base64url; `after` defaults to 0)
 *   DELETE /api/mailbox/:id?upTo=<seq>      delete entries ≤ seq → 200 { deleted }
 *
 * Errors are JSON `{ error, detail }`, error ∈ bad-request | unauthorized | forbidden |
 * method-not-allowed | too-large | quota: 400 malformed id/cursor/limit/header, an empty
 * entry, or a snapshot seq above the last entry; 401 no token or not a token; 403 a token
 * that opens another mailbox; 405 other methods; 413 entry too large; 429 over the mailbox
 * quota. `more` may be true with fewer than `limit` entries (pages are also capped in
 * bytes). A refused request stores, changes and deletes nothing.
 */

import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64Url, toHex } from '../bytes.js';

export const MAILBOX_PATH = '/api/mailbox';

export const MailboxLimits = {
  /** Largest single sealed entry. */
  maxEntryBytes: 8 * 1024 * 1024,
  /** Per mailbox: total stored bytes and entries (the per-topic quota). */
  maxMailboxBytes: 64 * 1024 * 1024,
  maxMailboxEntries: 10_000,
  /** Entries returned per GET. */
  maxListEntries: 500,
  /** Default time to live of an entry: 30 days. */
  ttlMs: 30 * 24 * 60 * 60 * 1000,
} as const;

export interface MailboxEntry {
  readonly seq: number;
  /** When the server stored it, ms since epoch. */
  readonly at: number;
  /** Sealed bytes, base64url. */
  readonly data: string;
}

export interface MailboxPage {
  readonly entries: readonly MailboxEntry[];
  /** True when more entries follow the last one returned. */
  readonly more: boolean;
}

export const MAILBOX_ID_PATTERN = /^[0-9a-f]{64}$/;

/** The mailbox id a bearer token opens: hex SHA-256 of the token's bytes; null if not a token. */
export function mailboxIdOf(token: string): string | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const bytes = fromBase64Url(token);
  return bytes && bytes.length === 32 ? toHex(sha256(bytes)) : null;
}
