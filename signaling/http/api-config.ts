/**
 * `GET /api/config`: client settings that depend on the deployment, today the ICE
 * servers. Browsers fetch it at start so one build works behind any TURN setup.
 */
import { getRoute, respondJson, type Route } from './router.js';
import type { IceServer } from './ice-servers.js';

export function apiConfigRoute(iceServers: readonly IceServer[]): Route {
  const body = { iceServers };
  return getRoute('/api/config', (req, res) => respondJson(req, res, 200, body));
}

/** Answers every other `/api/*` path with a JSON 404, so the SPA fallback never sees them. */
export function apiNotFoundRoute(): Route {
  return (req, res, ctx) => {
    if (ctx.url.pathname !== '/api' && !ctx.url.pathname.startsWith('/api/')) return false;
    respondJson(req, res, 404, { error: 'not found' });
    return true;
  };
}
