/**
 * The address a request came from, for per-address limits (sockets, uploads, mailbox
 * rates). Behind a reverse proxy (`TRUST_PROXY`) it is the last `X-Forwarded-For` hop: the
 * one our own proxy appended; earlier hops are whatever the client claimed.
 */
import type { IncomingMessage } from 'node:http';

export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((h) => h.trim()).filter((h) => h !== '');
    const last = hops.at(-1);
    if (last !== undefined) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/** True when the request reached the proxy (or us) over TLS: what HSTS may be sent on. */
export function cameOverTls(req: IncomingMessage, trustProxy: boolean): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted === true) return true;
  if (!trustProxy) return false;
  const header = req.headers['x-forwarded-proto'];
  const last = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((p) => p.trim().toLowerCase()).at(-1);
  return last === 'https';
}
