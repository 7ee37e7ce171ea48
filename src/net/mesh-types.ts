/**
 * The mesh's options and the records it keeps per room and per link (docs/architecture.md
 * §5), apart from the mesh itself so each file reads as one concept.
 */
import type { DeviceId, SessionId, Topic } from '../core/ids.js';
import type { ConversationKeys } from '../core/keys.js';
import type { Disposables } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import type { Later } from './bulk-inbox.js';
import type { AttemptId } from './link-attempts.js';
import type { Frame } from './framing.js';
import type { LinkMachine } from './link-machine.js';
import type { PeerLink } from './peer-link.js';
import type { Handshake } from './policy.js';
import type { RoomSync } from './room-sync.js';
import type { SignalingPort } from './signaling-port.js';
import type { SignalableTransport } from './transport.js';

/** A conversation's stable id; its topic may change with its keys. */
export type RoomId = string;

/** Makes the direct (WebRTC) transport for a new link; it should start negotiating at once. */
export type TransportFactory = (options: { initiator: boolean; onSignal: (signal: unknown) => void }) => SignalableTransport;

export interface MeshOptions {
  readonly signaling: SignalingPort;
  readonly createTransport: TransportFactory;
  /** Proves this device's identity on each link and checks the remote's. */
  readonly handshake: Handshake;
  readonly logger?: Logger;
  readonly sessionId?: SessionId;
  /** A link that has no open path after this long is abandoned and retried. */
  readonly connectTimeoutMs?: number;
  /** How often rooms without peers announce again, in case an announce was lost. */
  readonly reannounceMs?: number;
  /** The server's relay as a fallback path; `false` to never use it. */
  readonly relay?: false | RelayOptions;
  /** Schedules the handling of file frames (bulk-inbox.ts; `backgroundTask` by default). */
  readonly later?: Later;
}

export interface RelayOptions {
  /**
   * Link over the relay when no direct path opened after this long (or at once when ICE
   * fails). 1.5 s: direct paths that open at all mostly open well within it, and a relayed link
   * still upgrades to direct when ICE gets there later.
   */
  readonly fallbackMs?: number;
  /** Relay flow-control window in bytes (256 KiB, as a data channel's). */
  readonly window?: number;
}

export type MeshEvents = {
  /** A link opened, closed or changed its path. */
  links: () => void;
  /** A conversation started or stopped syncing on a link. */
  'room-links': (room: RoomId) => void;
  /** A file frame for a conversation, from a link that joined it (docs/protocol.md §8). */
  file: (room: RoomId, link: PeerLink, frame: Frame) => void;
};

/** A link as tests and diagnostics see it. */
export interface LinkView {
  readonly remote: SessionId;
  /** The device that signed the remote's rendezvous messages (its hello must match). */
  readonly device: DeviceId;
  readonly link: PeerLink;
}

/**
 * A remote is a session *of a device*: rendezvous messages are signed by the device, so a
 * member who claims someone else's session id only ever reaches a remote of her own.
 */
export type RemoteKey = string;
export const remoteKey = (device: DeviceId, session: SessionId): RemoteKey => `${device} ${session}`;

export interface RoomEntry {
  readonly id: RoomId;
  keys: ConversationKeys;
  readonly sync: RoomSync;
  /** Remotes that showed (by a signed message on this topic) that they are in this conversation. */
  readonly seen: Set<RemoteKey>;
  /** Bumps on every rekey, so proofs computed for old keys are thrown away. */
  generation: number;
}

export interface LinkEntry {
  readonly key: RemoteKey;
  readonly remote: SessionId;
  readonly device: DeviceId;
  readonly link: PeerLink;
  readonly machine: LinkMachine<RoomId>;
  readonly direct: SignalableTransport;
  /**
   * The connection attempt this link is (link-attempts.ts): made here when this side
   * initiates, the remote's when it does; none for a link a build before attempts started.
   */
  readonly attempt: AttemptId | undefined;
  /** Room whose topic carries this link's signals. */
  readonly signalRoom: RoomId;
  /** Frames and proofs are handled strictly in order, even when one needs async crypto. */
  chain: Promise<void>;
  /**
   * Join proofs that arrived for a topic this side had no room for yet, by topic (oldest
   * first, at most EARLY_JOINS_PER_LINK): checked when the room is added.
   */
  readonly earlyJoins: Map<Topic, Uint8Array>;
  /** Listeners and timers of this link, released when it closes. */
  readonly owned: Disposables;
}

