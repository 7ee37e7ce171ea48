/**
 * What the sync engine asks of the layer above it, per conversation: whether a verified
 * peer may join, and whether an update may be applied. The engine stays schema-agnostic;
 * the client supplies policies built from core/authorship.
 */
import type { PeerIdentity } from '../core/identity/handshake.js';

export type UpdateVerdict =
  | { readonly ok: true; readonly empty: boolean }
  | { readonly ok: false; readonly reason: 'malformed' | 'forbidden' | 'gap'; readonly detail: string };

export interface RoomPolicy {
  /** May this verified device sync this conversation? */
  admits(peer: PeerIdentity): boolean;
  /** Checks an update from a peer before it is applied. */
  authorize(update: Uint8Array): Promise<UpdateVerdict>;
}

export interface Handshake {
  /** This device's hello for a connection context. */
  hello(context: import('../core/identity/handshake.js').HelloContext): Promise<Uint8Array>;
  /** The remote device, or null when its hello does not verify. */
  verify(payload: Uint8Array, context: import('../core/identity/handshake.js').HelloContext): Promise<PeerIdentity | null>;
}
