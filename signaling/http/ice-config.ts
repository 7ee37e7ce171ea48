/**
 * The ICE server list `GET /api/config` hands each browser: the operator's `ICE_SERVERS`,
 * then the built-in STUN responder, then TURN with credentials minted for this request
 * (docs/architecture.md §6). Built per request because the STUN host may come from the
 * request and TURN credentials are never shared between browsers.
 */
import type { IncomingMessage } from 'node:http';
import { hostFromHeader } from './host.js';
import type { IceServer } from './ice-servers.js';

/** Mints one browser's TURN entry (urls plus a fresh time-limited credential). */
export type TurnIssuer = () => IceServer;

export interface IceConfigSources {
  /** `ICE_SERVERS`, already validated. */
  readonly configured: readonly IceServer[];
  /** The bound port of the built-in STUN responder; null when it is off. */
  readonly stunPort: number | null;
  /** `PUBLIC_HOST` in URL form; when unset the request's own Host is used. */
  readonly publicHost: string | undefined;
  /** TURN, when configured. */
  readonly turn?: TurnIssuer;
}

/** Returns the function `/api/config` calls for each request. */
export function iceServersFor({ configured, stunPort, publicHost, turn }: IceConfigSources): (req: IncomingMessage) => IceServer[] {
  return (req) => {
    const servers = [...configured];
    if (stunPort !== null) {
      // A request with a malformed Host gets no STUN entry rather than one built from it.
      const host = publicHost ?? hostFromHeader(req.headers.host);
      if (host !== null) servers.push({ urls: `stun:${host}:${stunPort}` });
    }
    if (turn) servers.push(turn());
    return servers;
  };
}
