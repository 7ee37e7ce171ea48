/**
 * `/api/mailbox/:id`, exactly as `src/core/wire/mailbox.ts` specifies. The route owns the
 * protocol: method, id and token checks, strict parameter parsing, the streamed body cap,
 * and mapping store errors to status codes. Checks run cheapest and most general first
 * (method, id, token, parameters, body), and every refusal happens before the store is
 * touched or inside a transaction that rolls back, so a refused request changes nothing.
 *
 * Authorisation needs no stored secret: the id is SHA-256 of the bearer token, so the
 * route recomputes it (`mailboxIdOf`) and compares.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  MAILBOX_ID_PATTERN,
  MAILBOX_PATH,
  MailboxLimits,
  mailboxIdOf,
  WRITER_HEADER,
  WRITER_ID_PATTERN,
  WRITER_KEY_HEADER,
  writerIdOf,
} from '../../src/core/wire/mailbox.js';
import { intQueryParam, parseIntValue, singleHeader } from '../http/params.js';
import { BodyAbortedError, BodyTimeoutError, BodyTooLargeError, readBody, refuseTooLarge } from '../http/body.js';
import { clientAddress } from '../http/client-address.js';
import { respondApiError, respondJson, type Route } from '../http/router.js';
import type { UploadGate, UploadTicket } from '../http/upload-gate.js';
import type { MailboxAdmission, RateRefusal } from './admission.js';
import { MailboxQuotaError, MailboxSnapshotError, type MailboxStore } from './mailbox-store.js';
import type { DeliveryMetrics } from '../metrics.js';
import { StorageFullError } from '../errors.js';

const PREFIX = `${MAILBOX_PATH}/`;
const ALLOWED = 'GET, POST, DELETE';
const BEARER = /^bearer +([^\s]+)$/i;
const ENDPOINT_HASH = /^[0-9a-f]{64}$/;

export interface MailboxRouteOptions {
  /** Where entries live. */
  readonly store: MailboxStore;
  /** Largest accepted entry; the body is cut with 413 past it. */
  readonly maxEntryBytes: number;
  /** Per-address rates on appends, appended bytes and new mailboxes. */
  readonly admission: MailboxAdmission;
  /** Bounds the bodies held in memory (node-wide bytes, uploads per address). */
  readonly uploads: UploadGate;
  /** A body that sends no byte for this long is cut with 408. */
  readonly bodyIdleTimeoutMs: number;
  /** Take the client address from `X-Forwarded-For` (behind a reverse proxy). */
  readonly trustProxy: boolean;
  /** Counters to update. */
  readonly metrics: DeliveryMetrics;
  /**
   * Called after an append has committed, with the writer's excluded push endpoint hash.
   * Must not throw and must not delay the answer (pushes go out asynchronously).
   */
  readonly onAppended?: (mailbox: string, seq: number, excludeEndpointHash: string | null) => void;
  /** Wall clock, ms since epoch; injectable for tests. */
  readonly now?: () => number;
}

export type Refuse = (status: number, error: string, detail: string, headers?: Readonly<Record<string, string>>) => void;

export function mailboxRoute(options: MailboxRouteOptions): Route {
  const { store, maxEntryBytes, metrics, onAppended, now = Date.now } = options;
  const entryLimit: UploadLimit = { maxBytes: maxEntryBytes, what: 'entry' };
  return async (req, res, ctx) => {
    if (!ctx.url.pathname.startsWith(PREFIX)) return false;
    const method = req.method ?? '';
    // A refusal before a POST body is read closes the connection: keeping it alive would
    // make Node read and discard the whole upload first.
    const refuse: Refuse = (status, error, detail, headers = {}) => {
      metrics.recordMailboxRefusal(status);
      respondApiError(req, res, status, error, detail, method === 'POST' ? { ...headers, Connection: 'close' } : headers);
    };
    if (method !== 'GET' && method !== 'POST' && method !== 'DELETE') {
      refuse(405, 'method-not-allowed', `use ${ALLOWED}`, { Allow: ALLOWED });
      return true;
    }
    const id = ctx.url.pathname.slice(PREFIX.length);
    if (!MAILBOX_ID_PATTERN.test(id)) {
      refuse(400, 'bad-request', 'the mailbox id must be 64 lower-case hex characters');
      return true;
    }
    if (!authorized(req, id, refuse)) return true;
    const params = ctx.url.searchParams;
    if (method === 'GET') {
      const after = intQueryParam(params, 'after', 0, Number.MAX_SAFE_INTEGER, 0);
      const limit = intQueryParam(params, 'limit', 1, MailboxLimits.maxListEntries, MailboxLimits.maxListEntries);
      if (!after.ok || !limit.ok) {
        refuse(400, 'bad-request', after.ok ? (limit.ok ? '' : limit.detail) : after.detail);
        return true;
      }
      const page = await store.list(id, after.value, limit.value, now());
      const entries = page.entries.map((e) => ({ seq: e.seq, at: e.at, data: Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).toString('base64url') }));
      respondJson(req, res, 200, { entries, more: page.more });
      return true;
    }
    if (method === 'DELETE') {
      const upTo = intQueryParam(params, 'upTo', 0, Number.MAX_SAFE_INTEGER);
      if (!upTo.ok) {
        refuse(400, 'bad-request', upTo.detail);
        return true;
      }
      // The token every member holds reads and appends; a delete reaches only the entries of
      // the writer whose key it presents (docs/architecture.md §7.6).
      const key = singleHeader(req.headers[WRITER_KEY_HEADER.toLowerCase()]);
      const writer = key === undefined ? null : writerIdOf(key);
      if (writer === null) {
        refuse(400, 'bad-request', `send ${WRITER_KEY_HEADER}: the writer key (32 bytes, base64url) whose entries to delete`);
        return true;
      }
      respondJson(req, res, 200, { deleted: await store.deleteUpTo(id, upTo.value, writer) });
      return true;
    }
    await append(req, res, id, refuse);
    return true;
  };

  async function append(req: IncomingMessage, res: ServerResponse, id: string, refuse: Refuse): Promise<void> {
    const snapshotHeader = singleHeader(req.headers['x-parley-snapshot']);
    let snapshotUpTo: number | null = null;
    if (snapshotHeader !== undefined) {
      const parsed = parseIntValue(snapshotHeader, 'X-Parley-Snapshot', 0, Number.MAX_SAFE_INTEGER);
      if (!parsed.ok) return refuse(400, 'bad-request', parsed.detail);
      snapshotUpTo = parsed.value;
    }
    const exclude = singleHeader(req.headers['x-parley-exclude']) ?? null;
    if (exclude !== null && !ENDPOINT_HASH.test(exclude)) return refuse(400, 'bad-request', 'X-Parley-Exclude must be 64 lower-case hex characters');
    const writer = singleHeader(req.headers[WRITER_HEADER.toLowerCase()]);
    if (writer !== undefined && !WRITER_ID_PATTERN.test(writer)) return refuse(400, 'bad-request', `${WRITER_HEADER} must be 64 lower-case hex characters`);

    const ticket = await admit(req, res, id, refuse);
    if (ticket === null) return;
    let seq: number;
    let body: Buffer;
    try {
      const read = await readUpload(req, res, { ...entryLimit, idleMs: options.bodyIdleTimeoutMs }, refuse, metrics);
      if (read === null) return;
      body = read;
      // Bodies without a declared length are charged once their size is known.
      if (req.headers['content-length'] === undefined) {
        const refusal = options.admission.appendBytes(clientAddress(req, options.trustProxy), body.length);
        if (refusal) return refuseRate(refuse, refusal);
      }
      try {
        ({ seq } = await store.append(id, body, { snapshotUpTo, now: now(), ...(writer !== undefined ? { writer } : {}) }));
      } catch (err) {
        if (err instanceof MailboxQuotaError) return refuse(429, 'quota', err.message);
        if (err instanceof MailboxSnapshotError) return refuse(400, 'bad-request', err.message);
        if (err instanceof StorageFullError) return refuse(507, err.code, err.message);
        throw err;
      }
    } finally {
      ticket.release();
    }
    metrics.mailboxAppends++;
    metrics.mailboxAppendBytes += body.length;
    // The entry is committed (and fsynced) before the 201; the push fan-out only starts here.
    onAppended?.(id, seq, exclude);
    respondJson(req, res, 201, { seq });
  }


  /**
   * Everything decided before a byte of the body is read: the address's append rate, its
   * byte rate (when the length is declared), its rate of new mailboxes, and a reservation
   * for the body in memory. Null when refused (the answer is already sent).
   */
  async function admit(req: IncomingMessage, res: ServerResponse, id: string, refuse: Refuse): Promise<UploadTicket | null> {
    const address = clientAddress(req, options.trustProxy);
    const declared = declaredLength(req, res, entryLimit, metrics);
    if (declared === 'refused') return null;
    const refusal =
      options.admission.append(address) ??
      (declared !== null && declared > 0 ? options.admission.appendBytes(address, declared) : null) ??
      ((await store.exists(id)) ? null : options.admission.create(address));
    if (refusal) {
      refuseRate(refuse, refusal);
      return null;
    }
    return enterUpload(options.uploads, address, declared ?? maxEntryBytes, refuse);
  }
}

/** A reservation for an upload's body in memory, or null when refused (the answer is sent). */
export function enterUpload(uploads: UploadGate, address: string, bytes: number, refuse: Refuse): UploadTicket | null {
  const ticket = uploads.enter(address, bytes);
  if (ticket === 'busy') refuse(503, 'busy', 'too many uploads in progress; try again shortly', { 'Retry-After': '5' });
  else if (ticket === 'too-many-uploads') refuse(429, 'too-many-uploads', 'too many uploads in progress from this address', { 'Retry-After': '5' });
  else return ticket;
  return null;
}

/** An upload's cap, and what the body is called in the refusal people may read. */
export interface UploadLimit {
  readonly maxBytes: number;
  /** "entry", "piece of a file". */
  readonly what: string;
}

/**
 * The body's declared `Content-Length` (null when none is declared), or `refused` when it is
 * over the cap: then the 413 is sent before a byte of the body is read.
 */
export function declaredLength(req: IncomingMessage, res: ServerResponse, limit: UploadLimit, metrics: DeliveryMetrics): number | null | 'refused' {
  const header = req.headers['content-length'];
  const declared = header === undefined ? null : Number(header);
  if (declared === null || declared <= limit.maxBytes) return declared;
  metrics.recordMailboxRefusal(413);
  refuseTooLarge(req, res, limit.maxBytes, limit.what);
  return 'refused';
}

/**
 * An upload's body, read under its cap; null when it was refused (too large, stalled, empty:
 * the answer is sent) or the client left mid-upload (nobody to answer, nothing stored).
 */
export async function readUpload(
  req: IncomingMessage,
  res: ServerResponse,
  { maxBytes, idleMs, what }: UploadLimit & { readonly idleMs: number },
  refuse: Refuse,
  metrics: DeliveryMetrics,
): Promise<Buffer | null> {
  let body: Buffer;
  try {
    body = await readBody(req, maxBytes, idleMs);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      metrics.recordMailboxRefusal(413);
      refuseTooLarge(req, res, err.limit, what);
      return null;
    }
    if (err instanceof BodyTimeoutError) {
      refuse(408, 'timeout', 'the request body stalled');
      return null;
    }
    if (err instanceof BodyAbortedError) return null;
    throw err;
  }
  if (body.length > 0) return body;
  refuse(400, 'bad-request', `the ${what} is empty`);
  return null;
}

export function refuseRate(refuse: Refuse, { budget, retryAfterSeconds }: RateRefusal): void {
  refuse(429, 'rate-limited', `too many ${budget === 'mailboxes' ? 'new mailboxes' : budget} from this address`, {
    'Retry-After': String(retryAfterSeconds),
  });
}

/** 401 without a usable bearer token, 403 when the token opens another mailbox. */
export function authorized(req: IncomingMessage, id: string, refuse: Refuse): boolean {
  const header = singleHeader(req.headers.authorization);
  const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
  if (token === undefined) {
    refuse(401, 'unauthorized', 'send Authorization: Bearer <mailbox token>', { 'WWW-Authenticate': 'Bearer' });
    return false;
  }
  const opens = mailboxIdOf(token);
  if (opens === null) {
    refuse(401, 'unauthorized', 'the bearer token is not a mailbox token', { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    return false;
  }
  if (opens !== id) {
    refuse(403, 'forbidden', 'the token does not open this mailbox');
    return false;
  }
  return true;
}
