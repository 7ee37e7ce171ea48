/**
 * What the sync engine asks of the layer above it, per conversation: whether a verified
 * peer may join, and whether an update may be applied. The engine stays schema-agnostic;
 * the client supplies policies built from core/authorship.
 */
import type { HelloContext, PeerIdentity } from '../core/identity/handshake.js';
import type { DocPolicy } from '../core/synced-doc.js';

/** Per conversation: may a verified device join, may an update be applied. */
export type RoomPolicy = DocPolicy;

export interface Handshake {
  /** This device's hello for a connection context. */
  hello(context: HelloContext): Promise<Uint8Array>;
  /** The remote device, or null when its hello does not verify. */
  verify(payload: Uint8Array, context: HelloContext): Promise<PeerIdentity | null>;
}
