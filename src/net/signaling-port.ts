/**
 * What the mesh needs from the signaling server, as a small port (docs/architecture.md §5):
 * topics to publish sealed rendezvous messages on, and this socket's relay address with
 * binary relay frames (docs/protocol.md §1.2). `SignalingClient` implements it over the
 * WebSocket; unit tests use an in-memory hub (tests/helpers/memory-signaling.ts).
 */
import type { ObservableV2 } from 'lib0/observable';
import type { ClientMessage, ServerMessage } from '../core/wire/signaling.js';

export type SignalingStatus = 'connecting' | 'connected' | 'disconnected';

/** A token bucket over relay frame bytes: the server closes a socket that outruns it. */
export interface RelayBudget {
  readonly bytesPerSecond: number;
  readonly burstBytes: number;
}

export type SignalingPortEvents = {
  /** A publish on a subscribed topic, from anyone including this client. */
  message: (topic: string, data: unknown) => void;
  status: (status: SignalingStatus) => void;
  /** This socket's relay address changed; null while it has none (disconnected). */
  'relay-address': (addr: string | null) => void;
  /** A relay frame from the socket holding `from`. */
  relay: (from: string, payload: Uint8Array) => void;
  /** The server says no socket holds `addr` (any more). */
  'relay-gone': (addr: string) => void;
};

export interface SignalingPort extends ObservableV2<SignalingPortEvents> {
  readonly status: SignalingStatus;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /** Returns false when not connected; callers publish again on the next `connected`. */
  publish(topic: string, data: unknown): boolean;
  /** This socket's relay address, or null (not bound yet, or the server has no relay). */
  readonly relayAddress: string | null;
  /** The relay byte budget the server gave this socket, when it said; null otherwise. */
  readonly relayBudget: RelayBudget | null;
  /** Sends one relay frame to `to`; false when not connected or not bound. */
  sendRelay(to: string, payload: Uint8Array): boolean;
}

export type SignalingEvents = SignalingPortEvents & {
  /** The server closed the socket with a code: useful to surface misconfiguration. */
  closed: (code: number, reason: string) => void;
  /** Any other server message (registration challenges and confirmations). */
  control: (message: ServerMessage) => void;
};

/**
 * The socket as the client's services use it (registration, presence, mailbox notices,
 * invites, contact requests, device links): `SignalingClient`, or on the page a
 * `SignalingSlot` until the network part has loaded (docs/architecture.md §11).
 */
export interface Signaling extends ObservableV2<SignalingEvents> {
  readonly status: SignalingStatus;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /** Returns false when not connected; callers publish again on the next `connected`. */
  publish(topic: string, data: unknown): boolean;
  /** Sends a protocol message other than a publish; false when not connected. */
  send(message: ClientMessage): boolean;
  /** Skips the remaining backoff (the browser says it is online again). */
  reconnectNow(): void;
}
