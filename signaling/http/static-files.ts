/**
 * Serves the built PWA (`vite build` output). Rules, and why:
 * - `assets/*` names carry a content hash from Vite, so they are cached for a year as
 *   immutable; everything else (`index.html`, `sw.js`, the manifest) must be revalidated
 *   or an update would never reach installed apps, hence `no-cache` plus an ETag.
 * - `sw.js` gets `Service-Worker-Allowed: /` so it may control the whole origin.
 * - Scripts in `assets/wasm-workers/` (the dedicated workers that compile WebAssembly) get
 *   the policy that allows it (security-headers.ts, docs/architecture.md §6.3); every other
 *   script, other workers' too, keeps the page's.
 * - Extension-less unknown paths are client-side routes: they get `index.html` (SPA).
 *   Unknown paths with an extension are missing files: 404, never HTML with a 200.
 * - Any `..` segment in the raw or percent-decoded path is refused (400) before the file
 *   system is touched, and dotfiles are never served; nor are source maps, unless asked.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { open, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { allowGetHead, respondText, type Route } from './router.js';
import { WASM_WORKER_CONTENT_SECURITY_POLICY, WASM_WORKER_SCRIPTS } from './security-headers.js';

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
export const REVALIDATE_CACHE = 'no-cache';

/** MIME type for a file name; unknown types are served as opaque bytes. */
export function mimeTypeFor(fileName: string): string {
  return MIME_TYPES[path.extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Percent-decodes a raw request path into safe segments, or returns null when it must be
 * refused: undecodable escapes, NUL bytes, or any `..` segment (also as `%2e%2e`, `..%2f`
 * or with backslashes, which some clients treat as separators).
 */
export function safeSegments(rawPath: string): string[] | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const segments = decoded.split(/[/\\]/).filter((s) => s !== '' && s !== '.');
  return segments.includes('..') ? null : segments;
}

async function openFile(file: string): Promise<{ handle: FileHandle; stats: Stats } | null> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch {
    return null; // ENOENT, ENOTDIR, EACCES: all "no such file" to the client
  }
  const stats = await handle.stat();
  if (stats.isFile()) return { handle, stats };
  await handle.close();
  return null;
}

export interface StaticFilesOptions {
  /** Absolute directory to serve. */
  readonly root: string;
  /**
   * Serve `*.map` files (`SERVE_SOURCEMAPS`). Off by default: source maps hand anyone the
   * readable source with its comments, which production users do not need.
   */
  readonly serveSourcemaps?: boolean;
}

/** A script in the WebAssembly workers' folder (and not its source map). */
const isWasmWorkerScript = (rel: readonly string[]): boolean => rel.length === WASM_WORKER_SCRIPTS.length + 1 && WASM_WORKER_SCRIPTS.every((s, i) => rel[i] === s) && rel.at(-1)!.endsWith('.js');

/** Catch-all route for static files; put it last in the route list. */
export function staticFilesRoute({ root, serveSourcemaps = false }: StaticFilesOptions): Route {
  const serve = async (req: IncomingMessage, res: ServerResponse, rel: readonly string[], opened: { handle: FileHandle; stats: Stats }): Promise<void> => {
    const { handle, stats } = opened;
    const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
    const headers: Record<string, string> = {
      'Content-Type': mimeTypeFor(rel.at(-1) ?? 'index.html'),
      'Cache-Control': rel[0] === 'assets' && rel.length > 1 ? IMMUTABLE_CACHE : REVALIDATE_CACHE,
      ETag: etag,
      'Last-Modified': stats.mtime.toUTCString(),
    };
    if (rel.length === 1 && rel[0] === 'sw.js') headers['Service-Worker-Allowed'] = '/';
    // Replaces the page policy the router set: a worker runs under its script's policy.
    if (isWasmWorkerScript(rel)) headers['Content-Security-Policy'] = WASM_WORKER_CONTENT_SECURITY_POLICY;
    if (req.headers['if-none-match'] === etag) {
      await handle.close();
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(stats.size) });
    if (req.method === 'HEAD') {
      await handle.close();
      res.end();
      return;
    }
    try {
      await pipeline(handle.createReadStream(), res);
    } catch (err) {
      // A client that goes away mid-download is normal; anything else is a real fault.
      if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
    }
  };

  return async (req, res, ctx) => {
    if (!allowGetHead(req, res)) return true;
    const segments = safeSegments(ctx.rawPath.startsWith('/') ? ctx.rawPath : ctx.url.pathname);
    if (segments === null) {
      respondText(req, res, 400, 'Bad Request\n');
      return true;
    }
    if (segments.some((s) => s.startsWith('.') && s !== '.well-known') || (!serveSourcemaps && segments.at(-1)?.endsWith('.map'))) {
      respondText(req, res, 404, 'Not Found\n');
      return true;
    }
    const rel = segments.length === 0 ? ['index.html'] : segments;
    const file = path.join(root, ...rel);
    // Belt and braces: the segment check above already rules this out.
    if (!file.startsWith(root + path.sep)) {
      respondText(req, res, 400, 'Bad Request\n');
      return true;
    }
    const opened = await openFile(file);
    if (opened !== null) {
      await serve(req, res, rel, opened);
      return true;
    }
    if (path.extname(segments.at(-1) ?? '') === '') {
      const index = await openFile(path.join(root, 'index.html'));
      if (index !== null) {
        await serve(req, res, ['index.html'], index);
        return true;
      }
      respondText(req, res, 404, 'Not Found: the app is not built (run `npm run build`).\n');
      return true;
    }
    respondText(req, res, 404, 'Not Found\n');
    return true;
  };
}
