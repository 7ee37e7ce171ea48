/**
 * Works out one safety number (core/identity/safety-number.ts) off the page. The point is
 * less the page's thread (20–40 ms) than its scripts: SHA-512, which only safety numbers use,
 * shares its module with the SHA-256 the start-up script needs, and a module is bundled whole;
 * in this worker's own bundle it no longer weighs on the start (docs/architecture.md §11).
 *
 * In: `{ a, b }` once, two public identities. Out: the 60 digits, or `{ error }`.
 */
import { safetyNumber } from '../core/identity/safety-number.js';
import type { PublicIdentity } from '../core/identity/keys.js';

export type ToSafetyNumberWorker = { readonly a: PublicIdentity; readonly b: PublicIdentity };
export type FromSafetyNumberWorker = { readonly digits: string } | { readonly error: string };

const scope = globalThis as unknown as { postMessage(message: FromSafetyNumberWorker): void; onmessage: ((e: MessageEvent<ToSafetyNumberWorker>) => void) | null };

scope.onmessage = (e) => {
  try {
    scope.postMessage({ digits: safetyNumber(e.data.a, e.data.b) });
  } catch (error) {
    scope.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
};
