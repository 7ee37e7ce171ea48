/**
 * What the sync engine asks of the layer above it, per conversation: whether a verified
 * peer may join, and whether an update may be applied. The engine stays schema-agnostic;
 * the client supplies policies built from core/authorship.
 */
import type { DeviceCertificate } from '../core/identity/certificate.js';
import type { HelloContext, PeerIdentity } from '../core/identity/handshake.js';
import type { DocPolicy } from '../core/synced-doc.js';

/** Per conversation: may a verified device join, may an update be applied. */
export type RoomPolicy = DocPolicy;

export interface Handshake {
  /** This device's hello for a connection context. */
  hello(context: HelloContext): Promise<Uint8Array>;
  /** The remote device, or null when its hello does not verify. */
  verify(payload: Uint8Array, context: HelloContext): Promise<PeerIdentity | null>;
  /** This device's certificate and signature over a rendezvous message; null before the account exists. */
  signRendezvous(body: Record<string, unknown>): Promise<{ readonly cert: DeviceCertificate; readonly sig: string } | null>;
  /** The device that signed a rendezvous message, or null when it does not verify. */
  verifyRendezvous(body: Record<string, unknown>, cert: unknown, sig: unknown): Promise<PeerIdentity | null>;
}
