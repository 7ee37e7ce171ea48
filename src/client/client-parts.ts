/**
 * What the client is built from (its seams, handed in by a composition root) and the events
 * it raises; apart from ParleyClient so that module stays about behaviour.
 */
import type { TimelineEntry } from '../core/timeline.js';
import type { Topic } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { VerifyKeyCache } from '../core/identity/keys.js';
import type { Mesh } from '../net/mesh.js';
import type { SignalingClient } from '../net/signaling-client.js';
import type { TabSync } from '../net/tab-sync.js';
import type { ReadMarkerCopy } from '../store/read-marker-copy.js';
import type { AccountStore, ConversationStore, DocStore, OutboxStore } from '../store/types.js';
import type { MailboxParts } from './conversation-session.js';
import type { Drafts } from './drafts.js';

export interface ClientParts {
  readonly accounts: AccountStore;
  readonly conversations: ConversationStore;
  readonly outbox: OutboxStore;
  readonly docs: DocStore;
  readonly signaling: SignalingClient;
  readonly mesh: Mesh;
  /** Other tabs of this browser profile; every document syncs with them too. */
  readonly tabs?: TabSync | null;
  readonly verifyKeys: VerifyKeyCache;
  /** Base URL invite and contact links point at. */
  readonly appUrl: string;
  /** How this device appears in the user's device list, e.g. "Chrome on Linux". */
  readonly deviceLabel?: string;
  /** Accounts made here are programs (bots): their member records carry the bot flag. */
  readonly bot?: boolean;
  /** The blind mailbox for offline members (omitted by tests that do not need it). */
  readonly mailbox?: MailboxParts;
  /** A synchronous copy of read markers (the page's localStorage), so closing loses none. */
  readonly readMarkers?: ReadMarkerCopy;
  /** Drafts of unsent messages (the UI edits them); deleting a conversation erases its draft. */
  readonly drafts?: Drafts;
  readonly now?: () => number;
  /** How often a device may rewrite its receipt, in ms (tests shorten it; receipts.ts). */
  readonly receiptEveryMs?: number;
  readonly logger?: Logger;
}

export type ClientEvents = {
  /** Account, the conversation list, contacts or the connection changed. */
  changed: () => void;
  /** Something failed that the user should hear about. */
  error: (error: Error) => void;
  /** A new message became the newest in a conversation. */
  arrived: (topic: Topic, entry: TimelineEntry, mine: boolean) => void;
  /**
   * A conversation was deleted on this device and its stored data erased; parts the client
   * does not own (files) erase theirs (docs/architecture.md §4.9).
   */
  erased: (topic: Topic) => void;
};
