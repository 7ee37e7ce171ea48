/**
 * `GET /api/config`: client settings that depend on the deployment: the ICE servers and
 * the largest file members may send (`maxFileBytes`) and the largest the mailbox keeps for offline members (`mailboxMaxFileBytes`). Browsers fetch it at start so one build works behind any STUN/TURN setup.
 */
import type { IncomingMessage } from 'node:http';
import { getRoute, respondJson, type Route } from './router.js';
import type { IceServer } from './ice-servers.js';

/** The file limits `/api/config` states. */
export interface FileLimits {
  /** Largest file members may send (`MAX_FILE_BYTES`). */
  readonly maxFileBytes: number;
  /** Largest file the mailbox's blob area takes (`MAILBOX_MAX_FILE_BYTES`); 0 when it takes none. */
  readonly mailboxMaxFileBytes: number;
}

export function apiConfigRoute(iceServers: (req: IncomingMessage) => readonly IceServer[], files: FileLimits): Route {
  return getRoute('/api/config', (req, res) => respondJson(req, res, 200, { iceServers: iceServers(req), maxFileBytes: files.maxFileBytes, mailboxMaxFileBytes: files.mailboxMaxFileBytes }));
}

/** Answers every other `/api/*` path with a JSON 404, so the SPA fallback never sees them. */
export function apiNotFoundRoute(): Route {
  return (req, res, ctx) => {
    if (ctx.url.pathname !== '/api' && !ctx.url.pathname.startsWith('/api/')) return false;
    respondJson(req, res, 404, { error: 'not found' });
    return true;
  };
}
