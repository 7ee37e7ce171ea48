/**
 * A tiny router: an ordered list of routes, each `(req, res, ctx) => handled`. The first
 * route that returns true owns the request. New API modules (mailbox, push) are added by
 * appending a route to the list in `server.ts`; nothing else changes.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { StoreUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';

/** Parsed request target shared by all routes, so each does not re-parse it. */
export interface RouteContext {
  /** WHATWG-parsed URL (dot segments already resolved). */
  readonly url: URL;
  /**
   * The path exactly as the client sent it, before any normalisation. Static files check
   * this for `..` so traversal attempts are refused outright instead of silently rewritten.
   */
  readonly rawPath: string;
}

/** Returns true when it handled (or started handling) the request. May be async. */
export type Route = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => boolean | Promise<boolean>;

/** Headers every response carries, chosen per request (see security-headers.ts). */
export type HeaderPolicy = (req: IncomingMessage) => Readonly<Record<string, string>>;

const NOSNIFF_ONLY: HeaderPolicy = () => ({ 'X-Content-Type-Options': 'nosniff' });

/** Writes a complete response; the body is left out for HEAD, but Content-Length stays. */
export function respond(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string | Buffer = '',
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'Content-Length': String(bytes.length) });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** JSON response that no cache keeps (API answers change with server state). */
export function respondJson(req: IncomingMessage, res: ServerResponse, status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): void {
  respond(req, res, status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers }, JSON.stringify(value));
}

/**
 * The API error shape of the wire contracts: `{ error, detail }`, where `error` is a short
 * stable code clients may branch on and `detail` a human sentence that never quotes input.
 */
export function respondApiError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  error: string,
  detail: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  respondJson(req, res, status, { error, detail }, headers);
}

/** Plain-text response, used for errors. */
export function respondText(req: IncomingMessage, res: ServerResponse, status: number, text: string, headers: Readonly<Record<string, string>> = {}): void {
  respond(req, res, status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers }, text);
}

/** True for GET and HEAD; otherwise answers 405 with an `Allow` header and returns false. */
export function allowGetHead(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  respondText(req, res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
  return false;
}

/** Route answering exactly `path` with `handle` for GET/HEAD and 405 for other methods. */
export function getRoute(path: string, handle: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): Route {
  return async (req, res, ctx) => {
    if (ctx.url.pathname !== path) return false;
    if (allowGetHead(req, res)) await handle(req, res);
    return true;
  };
}

/** Builds the Node request listener from an ordered route list. */
export function createRequestListener(routes: readonly Route[], logger: Logger, headers: HeaderPolicy = NOSNIFF_ONLY): RequestListener {
  const run = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(headers(req))) res.setHeader(name, value);
    const target = req.url ?? '/';
    let url: URL;
    try {
      url = new URL(target, 'http://localhost');
    } catch {
      respondText(req, res, 400, 'Bad Request\n');
      return;
    }
    const ctx: RouteContext = { url, rawPath: target.split('?', 1)[0] ?? '/' };
    for (const route of routes) if (await route(req, res, ctx)) return;
    respondText(req, res, 404, 'Not Found\n');
  };
  return (req, res) => {
    run(req, res).catch((err: unknown) => {
      // A shared backend is down: the request did nothing; the client should come back.
      if (err instanceof StoreUnavailableError) {
        logger.warn('request refused: backend unavailable', { backend: err.backend, method: req.method ?? '' });
        if (!res.headersSent) respondApiError(req, res, 503, 'unavailable', `${err.backend} is unavailable; try again shortly`, { 'Retry-After': '2' });
        else res.destroy();
        return;
      }
      // Log the kind of failure only: messages of some errors quote request data.
      const name = err instanceof Error ? err.name : 'unknown';
      const code = err instanceof Error ? String((err as NodeJS.ErrnoException).code ?? '') : '';
      logger.error('http route failed', { name, code, method: req.method ?? '' });
      if (!res.headersSent) respondText(req, res, 500, 'Internal Server Error\n');
      else res.destroy();
    });
  };
}
