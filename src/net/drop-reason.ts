/**
 * Why a link ends (docs/architecture.md §5). A *drop* blames the remote: it broke the protocol
 * or sent something the policy refuses, and it is penalized (ignored for a while, longer per
 * offence). Other endings are local decisions or the network.
 */
import type { TransportCloseReason } from './transport.js';

export type DropReason =
  /** Chunks or frames that break the framing rules. */
  | 'framing'
  /** A `begin`/`switch` path control naming a path that does not match, or data past it. */
  | 'bad-path-switch'
  /** A frame other than hello before the remote proved its identity. */
  | 'frame-before-hello'
  | 'second-hello'
  | 'identity-proof-failed'
  /** The hello came from another device than the one that signed the rendezvous. */
  | 'wrong-device'
  /** The device is still serving a penalty for an earlier drop. */
  | 'device-penalized'
  /** A conversation frame before the remote's membership proof for it. */
  | 'frame-before-join'
  /** The conversation's policy does not admit this device (revoked, blocked). */
  | 'not-admitted'
  | 'bad-membership-proof'
  /** More queued for the remote than it will ever read. */
  | 'peer-not-reading'
  | 'bad-sync-message'
  | 'too-many-sync-requests'
  /** The authorizer refused an update (detail says why). */
  | 'update-refused'
  | 'update-failed-to-apply'
  | 'bad-ack'
  | 'bad-awareness'
  /** A frame kind that has no business on this link. */
  | 'unexpected-frame'
  /** Handling a frame threw; the link cannot be trusted to be in step any more. */
  | 'handler-failed'
  /** A malformed file frame, or more file requests than any honest member makes. */
  | 'bad-file-frame'
  /** A file chunk or hash list that does not match the signed file message. */
  | 'bad-file-chunk';

/**
 * Endings decided on this side without blaming the remote. `superseded`: the remote started a
 * new connection attempt, so it gave this one up (link-attempts.ts).
 */
export type EndReason = 'closed-locally' | 'device-revoked' | 'identity-blocked' | 'mesh-destroyed' | 'connect-timeout' | 'superseded';

export type LinkCloseReason = DropReason | EndReason | TransportCloseReason;

/** A drop with the human-readable detail that goes to the log. */
export interface Violation {
  readonly reason: DropReason;
  readonly detail?: string;
}

const DROP_REASONS: ReadonlySet<string> = new Set<DropReason>([
  'framing',
  'bad-path-switch',
  'frame-before-hello',
  'second-hello',
  'identity-proof-failed',
  'wrong-device',
  'device-penalized',
  'frame-before-join',
  'not-admitted',
  'bad-membership-proof',
  'peer-not-reading',
  'bad-sync-message',
  'too-many-sync-requests',
  'update-refused',
  'update-failed-to-apply',
  'bad-ack',
  'bad-awareness',
  'unexpected-frame',
  'handler-failed',
  'bad-file-frame',
  'bad-file-chunk',
]);

/** True when a link ended because the remote misbehaved. */
export const isDropReason = (reason: string): reason is DropReason => DROP_REASONS.has(reason);
