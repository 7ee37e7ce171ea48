/**
 * HTTP client for the blind mailbox (core/wire/mailbox). Works in pages and in the service
 * worker (plain `fetch`). Every failure becomes a MailboxError with the HTTP status (0 when
 * the network itself failed), so callers can tell "offline, retry later" from "refused".
 */
import { fromBase64Url } from '../core/bytes.js';
import type { HASHES_PIECE } from '../core/wire/mailbox-blobs.js';
import { MAILBOX_PATH, MailboxLimits, WRITER_HEADER, WRITER_KEY_HEADER, type MailboxEntry, type MailboxPage } from '../core/wire/mailbox.js';

export class MailboxError extends Error {
  override readonly name = 'MailboxError';
  constructor(
    message: string,
    /** HTTP status, or 0 when no response arrived (offline). */
    readonly status: number,
    options?: ErrorOptions,
    /** The server's `Retry-After`, in seconds: it asks to come back later (rate limit, busy). */
    readonly retryAfterSeconds: number | null = null,
    /** The server's own sentence (`detail`), for showing a refusal as the server put it. */
    readonly detail = '',
  ) {
    super(message, options);
  }

  get offline(): boolean {
    return this.status === 0;
  }

  /** Worth retrying later: offline, a server error, or a refusal that names when to retry. */
  get transient(): boolean {
    return this.offline || this.status >= 500 || this.retryAfterSeconds !== null;
  }
}

export interface MailboxAppendOptions {
  /** This entry is a snapshot covering every entry ≤ this seq (the server deletes them). */
  readonly snapshotOf?: number;
  /** SHA-256 hex of this device's push endpoint, so it is not woken by its own write. */
  readonly exclude?: string;
  /** This device's writer id in the mailbox (hex SHA-256 of its writer key). */
  readonly writer?: string;
}

/**
 * How long a request may wait for the server's answer to begin: `ANSWER_MS`, plus the time
 * its body takes at `SLOWEST_UPLOAD` bytes a second (the server answers once it has read it).
 * A request nothing answers (a connection dropped on the way without a reset, a stalled
 * proxy) had waited for ever, and what waited on it with it: an epoch move waits for its
 * record to reach the old mailbox, so one such request held a device on the old epoch for good.
 * Timed out, it fails as offline (status 0), and callers retry as they do when offline.
 */
export const ANSWER_MS = 30_000;
/** 128 kbit/s: a slow mobile uplink still sends an 8 MiB entry within the allowance. */
const SLOWEST_UPLOAD = 16 * 1024;

export class MailboxClient {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
    /** `ANSWER_MS`, shorter in tests. */
    private readonly answerMs = ANSWER_MS,
  ) {}

  async append(id: string, token: string, sealed: Uint8Array, options: MailboxAppendOptions = {}): Promise<number> {
    if (sealed.length > MailboxLimits.maxEntryBytes) throw new MailboxError('entry too large for the mailbox', 413);
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' };
    if (options.snapshotOf !== undefined) headers['X-Parley-Snapshot'] = String(options.snapshotOf);
    if (options.exclude) headers['X-Parley-Exclude'] = options.exclude;
    if (options.writer) headers[WRITER_HEADER] = options.writer;
    const body = await this.request(`${id}`, { method: 'POST', headers, body: sealed as Uint8Array<ArrayBuffer> });
    const seq = (body as { seq?: unknown }).seq;
    if (typeof seq !== 'number') throw new MailboxError('mailbox answered without a sequence number', 502);
    return seq;
  }

  /** Entries after `after`, decoded to bytes. */
  async list(id: string, token: string, after: number, limit: number = MailboxLimits.maxListEntries): Promise<{ entries: Array<{ seq: number; at: number; data: Uint8Array }>; more: boolean }> {
    const page = (await this.request(`${id}?after=${after}&limit=${limit}`, { method: 'GET', headers: { Authorization: `Bearer ${token}` } })) as MailboxPage | null;
    if (typeof page !== 'object' || page === null || !Array.isArray(page.entries)) throw new MailboxError('malformed mailbox page', 502);
    // Only what the request asked for: at most `limit` entries, each after the cursor. A page of
    // entries at or before it (a broken or hostile server) was taken as progress, and a reader
    // paging on `more` fetched it again and again, holding every copy.
    const entries = page.entries.slice(0, limit).flatMap((e: MailboxEntry) => {
      if (!Number.isSafeInteger(e.seq) || e.seq <= after || typeof e.data !== 'string') return [];
      const data = fromBase64Url(e.data);
      return data ? [{ seq: e.seq, at: e.at, data }] : [];
    });
    return { entries, more: page.more === true };
  }

  /** Deletes this writer's entries up to `upTo`, nobody else's: the server matches the key to the entries' writer id. */
  async remove(id: string, token: string, upTo: number, writerKey: string): Promise<void> {
    await this.request(`${id}?upTo=${upTo}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}`, [WRITER_KEY_HEADER]: writerKey } });
  }

  /**
   * Stores one piece of a file in the mailbox's blob area (docs/protocol.md §5.1); true when
   * stored, false when it was there already.
   */
  async putPiece(id: string, token: string, blob: string, piece: number | typeof HASHES_PIECE, bytes: Uint8Array, writer?: string): Promise<boolean> {
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream', ...(writer ? { [WRITER_HEADER]: writer } : {}) };
    const body = await this.request(`${id}/blobs/${blob}/${piece}`, { method: 'PUT', headers, body: bytes as Uint8Array<ArrayBuffer> });
    return (body as { stored?: unknown }).stored === true;
  }

  /** Deletes the pieces of a file this writer stored (the server matches the key to their writer id); resolves how many went. */
  async deleteBlob(id: string, token: string, blob: string, writerKey: string): Promise<number> {
    const body = await this.request(`${id}/blobs/${blob}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}`, [WRITER_KEY_HEADER]: writerKey } });
    const deleted = (body as { deleted?: unknown }).deleted;
    return typeof deleted === 'number' ? deleted : 0;
  }

  /** One piece of a file from the blob area, or null when the mailbox does not have it. */
  async getPiece(id: string, token: string, blob: string, piece: number | typeof HASHES_PIECE): Promise<Uint8Array | null> {
    const res = await this.send(`${id}/blobs/${blob}/${piece}`, { method: 'GET', headers: { Authorization: `Bearer ${token}` } });
    if (res.status === 404) return null;
    if (!res.ok) throw await refusal(res);
    return new Uint8Array(await res.arrayBuffer());
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    const sent = init.body instanceof Uint8Array ? init.body.length : 0;
    const waited = new AbortController();
    const timer = setTimeout(() => waited.abort(new Error('no answer in time')), this.answerMs + (sent / SLOWEST_UPLOAD) * 1000);
    try {
      return await this.fetchImpl(`${this.baseUrl}${MAILBOX_PATH}/${path}`, { ...init, cache: 'no-store', signal: waited.signal });
    } catch (cause) {
      throw new MailboxError(waited.signal.aborted ? 'the mailbox did not answer in time' : 'the mailbox is unreachable', 0, { cause });
    } finally {
      // Only the wait for the answer to begin: a body being read is not cut short.
      clearTimeout(timer);
    }
  }

  private async request(path: string, init: RequestInit): Promise<unknown> {
    const res = await this.send(path, init);
    if (!res.ok) throw await refusal(res);
    const text = await res.text();
    try {
      return text ? JSON.parse(text) : {};
    } catch (cause) {
      throw new MailboxError('malformed mailbox response', 502, { cause });
    }
  }
}

/** The server's refusal as a MailboxError with its status, detail and `Retry-After`. */
async function refusal(res: Response): Promise<MailboxError> {
  const text = await res.text().catch(() => '');
  let detail = text.slice(0, 200);
  try {
    detail = (JSON.parse(text) as { detail?: string }).detail ?? detail;
  } catch {
    // not JSON: keep the text
  }
  const retryAfter = Number(res.headers.get('retry-after') ?? Number.NaN);
  return new MailboxError(`mailbox refused the request: ${detail}`, res.status, undefined, Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : null, String(detail).slice(0, 200));
}
