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
 *          optional X-Parley-Writer: <64 hex>  — the writer id: SHA-256 of the writer key
 *          optional X-Parley-Snapshot: <seq>  — this entry covers every entry ≤ seq of the
 *                                              same writer, which the server then deletes
 *                                              (compaction; without a writer it deletes none)
 *          optional X-Parley-Exclude: <push endpoint SHA-256 hex> — the writer's own
 *                                              subscription, which gets no push
 *   GET    /api/mailbox/:id?after=<seq>&limit=<n>  → 200 { entries: [{ seq, at, data }], more }
 *          (`data` is base64url; `after` defaults to 0)
 *   DELETE /api/mailbox/:id?upTo=<seq>      delete entries ≤ seq → 200 { deleted }
 *          header: X-Parley-Writer-Key: <base64url, 32 bytes> — required; deletes only the
 *                                              entries whose append named SHA-256 of this key
 *
 * Writers (docs/architecture.md §7.6): every member holds the token, so the token alone
 * reads and appends but deletes nothing. A device keeps a random writer key per mailbox
 * and never sends it with an append; only its hash names the entries. So a delete or a
 * snapshot reaches only the presenter's own entries, which it removes by the signed
 * read-cursor rule once every member device has read them. Each writer (and all appends
 * without a writer, together) may hold at most 1/`writerShare` of the mailbox's quotas.
 *
 * Errors are JSON `{ error, detail }`, error ∈ bad-request | unauthorized | forbidden |
 * method-not-allowed | too-large | quota: 400 malformed id/cursor/limit/header, an empty
 * entry, or a snapshot seq above the last entry; 401 no token or not a token; 403 a token
 * that opens another mailbox; 405 other methods; 413 entry too large; 429 over the mailbox
 * quota or the writer's share of it. `more` may be true with fewer than `limit` entries (pages are also capped in
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
  /** Each writer may hold at most this share of a mailbox's quotas (1/n; docs/architecture.md §7.6). */
  writerShare: 4,
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

/** Names an append's writer: hex SHA-256 of the writer key. */
export const WRITER_HEADER = 'X-Parley-Writer';
/** Proves, on a delete, whose entries may go: the writer key itself. */
export const WRITER_KEY_HEADER = 'X-Parley-Writer-Key';
export const WRITER_ID_PATTERN = /^[0-9a-f]{64}$/;

/** The writer id a writer key stands for (same form as a token: 32 bytes, base64url); null if not a key. */
export function writerIdOf(key: string): string | null {
  return mailboxIdOf(key);
}

/** The mailbox id a bearer token opens: hex SHA-256 of the token's bytes; null if not a token. */
export function mailboxIdOf(token: string): string | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const bytes = fromBase64Url(token);
  return bytes && bytes.length === 32 ? toHex(sha256(bytes)) : null;
}
