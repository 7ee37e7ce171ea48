/**
 * Time-limited TURN credentials in coturn's `use-auth-secret` scheme (the "TURN REST API"
 * draft): the username is `expiry:id`, with `expiry` in Unix seconds, and the password is
 * base64(HMAC-SHA1(shared secret, username)). coturn recomputes the HMAC with the same
 * secret and refuses a username whose expiry has passed, so the server and coturn share
 * one secret and nothing else: no user list, no per-user state (docs/architecture.md §6).
 *
 * Each `/api/config` request gets its own random id, so two browsers never share a
 * credential, and a leaked one stops working at its expiry. The secret itself never
 * leaves this module.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IceServer } from '../http/ice-servers.js';

export interface TurnConfig {
  /** `turn:` / `turns:` URLs of the coturn server(s) sharing the secret. */
  readonly urls: readonly string[];
  /** coturn's `static-auth-secret`. */
  readonly secret: string;
  /** How long an issued credential stays valid, in seconds. */
  readonly ttlSeconds: number;
}

/** The credential for one username: base64(HMAC-SHA1(secret, username)). */
export const turnCredential = (secret: string, username: string): string => createHmac('sha1', secret).update(username).digest('base64');

/**
 * Returns a function minting one browser's TURN entry. `now` (ms since epoch) is
 * injectable for tests.
 */
export function createTurnIssuer({ urls, secret, ttlSeconds }: TurnConfig, now: () => number = Date.now): () => IceServer {
  const list = [...urls];
  return () => {
    const expiry = Math.floor(now() / 1000) + ttlSeconds;
    // Hex, so the id never contains coturn's separator (':') or anything a URL would escape.
    const username = `${expiry}:${randomBytes(12).toString('hex')}`;
    return { urls: list, username, credential: turnCredential(secret, username) };
  };
}
