/**
 * Headers every HTTP response carries (docs/architecture.md §6, §8).
 *
 * The Content-Security-Policy allows only this origin for everything the app loads or
 * connects to, no inline script or style, no eval, no plugins, no framing:
 * - `connect-src 'self'` covers `fetch` to the API and the `/signal` WebSocket (CSP 3 lets
 *   `'self'` match `ws:`/`wss:` on the same host). WebRTC's ICE traffic (STUN, TURN, peers)
 *   is not subject to CSP at all.
 * - `img-src 'self' data: blob:`: avatars travel inside signed records as small `data:`
 *   images; file placeholders are `data:` images made from a thumbhash; a received image is
 *   decrypted on the device and shown from a `blob:` URL (docs/architecture.md §14.4).
 * - `media-src 'self' blob:`: received video and audio play from `blob:` URLs the same way.
 * - Lit's component styles use constructable stylesheets (`adoptedStyleSheets`), which
 *   `style-src 'self'` does not block; the page has no inline `<style>` or `style=""`.
 * - The service worker gets the same policy from its own response headers.
 * - A dedicated worker runs under the policy of its own script's response, not the page's.
 *   The workers that compile WebAssembly (`assets/wasm-workers/`) get
 *   {@link WASM_WORKER_CONTENT_SECURITY_POLICY}; every other worker (the bulk worker) gets
 *   the page's policy like any script.
 */
import type { IncomingMessage } from 'node:http';
import { cameOverTls } from './client-address.js';

const POLICY_AFTER_SCRIPTS = [
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];

export const CONTENT_SECURITY_POLICY = ["default-src 'self'", "script-src 'self'", ...POLICY_AFTER_SCRIPTS].join('; ');

/**
 * For the scripts of the workers that compile WebAssembly only (the folder vite.config.ts
 * gives them): the page's policy plus `'wasm-unsafe-eval'`, which lets them compile
 * WebAssembly (and nothing else: no `eval`, no other source of script). The file workers
 * hash with it, about twice as fast as SHA-256 in JavaScript (docs/architecture.md §6.3,
 * §14.4). A worker's script is never a document, so no page runs under this policy.
 */
export const WASM_WORKER_CONTENT_SECURITY_POLICY = ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", ...POLICY_AFTER_SCRIPTS].join('; ');

/** Where vite.config.ts puts the scripts of the workers that compile WebAssembly, below the served root. */
export const WASM_WORKER_SCRIPTS = ['assets', 'wasm-workers'] as const;

/** One year: browsers keep to HTTPS for that long after a visit over TLS. */
const HSTS = 'max-age=31536000';

const ALWAYS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  // For browsers that predate frame-ancestors.
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/**
 * The headers for one request. HSTS only when the request came over TLS (directly, or per
 * the trusted proxy's `X-Forwarded-Proto`): sent over plain HTTP it would be ignored, and
 * on a plain-HTTP deployment it must never be sent at all.
 */
export function securityHeaders(trustProxy: boolean): (req: IncomingMessage) => Readonly<Record<string, string>> {
  const withHsts = { ...ALWAYS, 'Strict-Transport-Security': HSTS };
  return (req) => (cameOverTls(req, trustProxy) ? withHsts : ALWAYS);
}
