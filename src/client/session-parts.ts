/**
 * What a conversation session is built from and the events it raises, apart from the session
 * itself so that module stays about behaviour.
 */
import type { ConversationKeys } from '../core/keys.js';
import type { DeviceId, Topic } from '../core/ids.js';
import type { IdentityId, VerifyKeyCache } from '../core/identity/keys.js';
import type { Logger } from '../core/logger.js';
import type { BlockDecision } from '../core/membership/blocks.js';
import type { TimelineEntry } from '../core/timeline.js';
import type { Account, ConversationRecord, OutboxStore } from '../store/types.js';
import type { MailboxParts } from './conversation/mailbox-binding.js';
import type { KnownContact } from './conversation/member-view.js';
import type { EndReason } from './conversation/epoch-switch.js';
import type { RoomHost } from './conversation/transport.js';

export type SessionEvents = {
  /** Timeline, members, delivery states or presence changed. */
  changed: () => void;
  /** The newest entry changed, for the sidebar preview. */
  preview: (entry: TimelineEntry) => void;
  error: (error: Error) => void;
  /**
   * The keys this device holds changed: the conversation moved to a new epoch (new topic,
   * mailbox and presence ids), or another device of the user handed it older epochs' file
   * roots. Files that waited for a key try again.
   */
  rekeyed: () => void;
  /**
   * The mailboxes of the epochs next to the current one changed without a move (the fold
   * learned of a sibling head, docs/architecture.md §4.3): live notices must follow them.
   */
  neighbours: () => void;
  /** This user left, was removed, or this device was removed. */
  ended: (reason: EndReason) => void;
};

export interface SessionParts {
  readonly record: ConversationRecord;
  readonly keys: ConversationKeys;
  readonly account: Account;
  readonly outbox: OutboxStore;
  readonly verifyKeys: VerifyKeyCache;
  readonly appUrl: string;
  readonly now: () => number;
  /** Identities whose devices may not join and whose events are hidden. */
  readonly isBlocked: (identity: IdentityId) => boolean;
  /**
   * What the user last decided about blocking someone, shared by their devices: a 1:1's
   * block they lifted before this device received it is owed an unblock (§4.4). Required,
   * as `isBlocked` is: a caller that forgot it would turn that rule off without a sign.
   */
  readonly blockDecision: (identity: IdentityId) => BlockDecision | null;
  /** The user shares read receipts, and so sees others' (absent: yes). */
  readonly sharesReads?: () => boolean;
  /** How often this device may rewrite its receipt, in ms (absent: receipts.ts's 30 s). */
  readonly receiptEveryMs?: number;
  /** The user's contact record for an identity, to tell namesakes apart and show the verified badge. */
  readonly contactOf?: (identity: IdentityId) => KnownContact | null;
  /** The blind mailbox, for members who are offline; absent in tests that do not need it. */
  readonly mailbox?: MailboxParts;
  /** Moves and closes the peer room; absent in tests that attach a room by hand. */
  readonly rooms?: RoomHost;
  /** Stores the conversation record (epoch keys, how it ended). */
  readonly save?: (record: ConversationRecord) => Promise<void>;
  /** Another device of this user removed this one. */
  readonly deviceRemoved?: () => boolean;
  /** Whether a device was revoked according to any document this device holds. */
  readonly isRevoked?: (device: DeviceId, identity: IdentityId) => boolean;
  /** Whether this user verified an identity's safety number (for the Members list). */
  readonly isVerified?: (identity: IdentityId) => boolean;
  /** An epoch secret another device of this user handed over, when this device has no share. */
  readonly handedOver?: (conversation: Topic, epoch: string) => Promise<Uint8Array | null>;
  readonly logger?: Logger;
}
