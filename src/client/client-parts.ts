/**
 * What the client is built from (its seams, handed in by a composition root) and the events
 * it raises; apart from ParleyClient so that module stays about behaviour.
 */
import type { TimelineEntry } from '../core/timeline.js';
import type { Topic } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { VerifyKeyCache } from '../core/identity/keys.js';
import type { Signaling } from '../net/signaling-port.js';
import type { ReadMarkerCopy } from '../store/read-marker-copy.js';
import type { AccountStore, ConversationStore, DocStore, OutboxStore } from '../store/types.js';
import type { MailboxParts } from './conversation-session.js';
import type { Drafts } from './drafts.js';
import type { MeshHandle, TabsHandle } from './network-handles.js';
import type { SafetyNumbers } from './safety-number-host.js';

export interface ClientParts {
  readonly accounts: AccountStore;
  readonly conversations: ConversationStore;
  readonly outbox: OutboxStore;
  readonly docs: DocStore;
  readonly signaling: Signaling;
  /** The mesh, or its promise: the page loads it after the first screen (network-handles.ts). */
  readonly mesh: MeshHandle;
  /** Other tabs of this browser profile (or their promise, as the mesh); every document syncs with them too. */
  readonly tabs?: TabsHandle | null;
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
  /**
   * The contact book (links, requests, safety numbers) loads once this settles, not as the
   * account starts: the page's list shows first (docs/architecture.md §11). Without it the
   * account's start waits for the book, as bots and the command line want. Conversations read
   * the stored contacts from the start either way (contact-directory.ts).
   */
  readonly contactsAfter?: Promise<unknown>;
  /** Works out safety numbers: in a worker unless given (safety-number-host.ts; Node gives its own). */
  readonly safetyNumbers?: SafetyNumbers;
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
