/**
 * `/api/mailbox/:id/blobs/:blob/:piece` (GET, PUT) and `/api/mailbox/:id/blobs/:blob`
 * (DELETE, the writer's own pieces), the mailbox's blob area (docs/protocol.md §5.1).
 * Same token rule as the entries (the id is SHA-256 of the bearer token), its own byte
 * rate per address, the node's upload gate for bodies held in memory, and a streamed cap
 * per piece. Every refusal happens before the store is touched or inside a transaction
 * that rolls back, so a refused request changes nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BLOB_FILE_PATH_PATTERN, BLOB_PATH_PATTERN, HASHES_PIECE, MailboxBlobLimits } from '../../src/core/wire/mailbox-blobs.js';
import { MAILBOX_PATH, WRITER_HEADER, WRITER_ID_PATTERN, WRITER_KEY_HEADER, writerIdOf } from '../../src/core/wire/mailbox.js';
import { singleHeader } from '../http/params.js';
import { clientAddress } from '../http/client-address.js';
import { respond, respondApiError, respondJson, type Route } from '../http/router.js';
import type { UploadGate } from '../http/upload-gate.js';
import type { DeliveryMetrics } from '../metrics.js';
import type { MailboxAdmission } from './admission.js';
import { StorageFullError } from '../errors.js';
import { BlobQuotaError, type BlobStore, type PieceKey } from './blob-store.js';
import { authorized, declaredLength, enterUpload, readUpload, refuseRate, type Refuse, type UploadLimit } from './route.js';

export interface BlobRouteOptions {
  readonly store: BlobStore;
  /** Per-address byte rate on pieces. */
  readonly admission: MailboxAdmission;
  readonly uploads: UploadGate;
  readonly bodyIdleTimeoutMs: number;
  readonly trustProxy: boolean;
  readonly metrics: DeliveryMetrics;
  /** Wall clock, ms since epoch; injectable for tests. */
  readonly now?: () => number;
}

const ALLOWED = 'GET, PUT';
const ALLOWED_FILE = 'DELETE';

export function blobRoute(options: BlobRouteOptions): Route {
  const { store, metrics, now = Date.now } = options;
  const maxPiece = MailboxBlobLimits.maxPieceBytes;
  const pieceLimit: UploadLimit = { maxBytes: maxPiece, what: 'piece of a file' };
  return async (req, res, ctx) => {
    const path = ctx.url.pathname;
    if (!path.startsWith(`${MAILBOX_PATH}/`) || !path.includes('/blobs')) return false;
    const method = req.method ?? '';
    const refuse: Refuse = (status, error, detail, headers = {}) => {
      metrics.recordMailboxRefusal(status);
      respondApiError(req, res, status, error, detail, method === 'PUT' ? { ...headers, Connection: 'close' } : headers);
    };
    const file = BLOB_FILE_PATH_PATTERN.exec(path);
    if (file) {
      if (method !== 'DELETE') refuse(405, 'method-not-allowed', `use ${ALLOWED_FILE}`, { Allow: ALLOWED_FILE });
      else await remove(req, res, file[1]!, file[2]!, refuse);
      return true;
    }
    if (method !== 'GET' && method !== 'PUT') {
      refuse(405, 'method-not-allowed', `use ${ALLOWED}`, { Allow: ALLOWED });
      return true;
    }
    const match = BLOB_PATH_PATTERN.exec(path);
    const piece = match ? (match[3] === HASHES_PIECE ? -1 : Number(match[3])) : Number.NaN;
    if (!match || !(piece < MailboxBlobLimits.maxPieces)) {
      refuse(400, 'bad-request', 'use /api/mailbox/<64 hex>/blobs/<64 hex>/<h or a chunk index below 65536>');
      return true;
    }
    if (!authorized(req, match[1]!, refuse)) return true;
    const key: PieceKey = { mailbox: match[1]!, blob: match[2]!, piece };
    if (method === 'GET') {
      const data = await store.get(key, now());
      if (!data) respondApiError(req, res, 404, 'not-found', 'this piece is not in the mailbox (never stored, or expired)');
      else respond(req, res, 200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store' }, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      return true;
    }
    await put(req, res, key, refuse);
    return true;
  };

  /** Deletes the pieces of one file that the writer whose key is presented stored; nobody else's. */
  async function remove(req: IncomingMessage, res: ServerResponse, mailbox: string, blob: string, refuse: Refuse): Promise<void> {
    if (!authorized(req, mailbox, refuse)) return;
    const key = singleHeader(req.headers[WRITER_KEY_HEADER.toLowerCase()]);
    const writer = key === undefined ? null : writerIdOf(key);
    if (writer === null) return refuse(400, 'bad-request', `send ${WRITER_KEY_HEADER}: the writer key (32 bytes, base64url) whose pieces to delete`);
    respondJson(req, res, 200, { deleted: await store.deleteBlob(mailbox, blob, writer) });
  }

  async function put(req: IncomingMessage, res: ServerResponse, key: PieceKey, refuse: Refuse): Promise<void> {
    const writer = singleHeader(req.headers[WRITER_HEADER.toLowerCase()]);
    if (writer !== undefined && !WRITER_ID_PATTERN.test(writer)) return refuse(400, 'bad-request', `${WRITER_HEADER} must be 64 lower-case hex characters`);
    const address = clientAddress(req, options.trustProxy);
    const declared = declaredLength(req, res, pieceLimit, metrics);
    if (declared === 'refused') return;
    const refusal = options.admission.piece(address, declared ?? maxPiece);
    if (refusal) return refuseRate(refuse, refusal);
    const ticket = enterUpload(options.uploads, address, declared ?? maxPiece, refuse);
    if (ticket === null) return;
    let stored: boolean;
    try {
      const body = await readUpload(req, res, { ...pieceLimit, idleMs: options.bodyIdleTimeoutMs }, refuse, metrics);
      if (body === null) return;
      try {
        stored = await store.put(key, body, now(), writer);
      } catch (err) {
        if (err instanceof BlobQuotaError) return refuse(429, 'quota', err.message);
        if (err instanceof StorageFullError) return refuse(507, err.code, err.message);
        throw err;
      }
    } finally {
      ticket.release();
    }
    respondJson(req, res, stored ? 201 : 200, { stored });
  }
}
