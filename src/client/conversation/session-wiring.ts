/**
 * How the parts of an open conversation are built and connected to each other: the
 * composition root of `ConversationSession`, apart from it so the session keeps to behaviour.
 * The parts refer to each other through closures because some need one built after them.
 */
import { blockWithholds } from '../../core/membership/blocks.js';
import { conversationSchemaFor } from '../../core/policy/conversation-policy.js';
import type { TimelineEntry } from '../../core/timeline.js';
import type { DeviceId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { SyncedDoc } from '../../core/synced-doc.js';
import type { ConversationRecord } from '../../store/types.js';
import type { SessionParts } from '../session-parts.js';
import type { EndReason } from './epoch-switch.js';
import { EpochFollower } from './epoch-follower.js';
import { GroupControl } from './group-control.js';
import { MemberView } from './member-view.js';
import { Receipts } from './receipts.js';
import { Membership } from './membership.js';
import { implicitAdmins, MembershipView } from './membership-view.js';
import { SendPipeline } from './send-pipeline.js';
import { ShownTimeline } from './shown-timeline.js';
import { ConversationTransport } from './transport.js';
import { TypingState } from './typing.js';

/** What the session answers to its parts. */
export interface SessionHooks {
  /** The conversation record as it is now (it changes when epochs or the end are saved). */
  readonly record: () => ConversationRecord;
  readonly loaded: () => boolean;
  readonly changed: () => void;
  readonly preview: (entry: TimelineEntry) => void;
  readonly failed: (error: Error) => void;
  readonly rekeyed: () => void;
  /** The mailboxes of neighbouring epochs changed (docs/architecture.md §4.3). */
  readonly neighbours: () => void;
  readonly end: (reason: EndReason) => Promise<void>;
  readonly save: (fields: Partial<ConversationRecord>) => Promise<void>;
}

export interface SessionWiring {
  readonly synced: SyncedDoc;
  readonly shown: ShownTimeline;
  readonly members: MemberView;
  readonly membership: MembershipView;
  readonly changes: Membership;
  readonly group: GroupControl;
  readonly transport: ConversationTransport;
  readonly epochs: EpochFollower;
  readonly typing: TypingState;
  readonly sender: SendPipeline;
  readonly receipts: Receipts;
}

export function wireSession(parts: SessionParts, logger: Logger, hooks: SessionHooks): SessionWiring {
  const { account, now } = parts;
  // Some closures read parts built further down; they run only after wiring is done.
  const synced: SyncedDoc = new SyncedDoc({
    account,
    schema: conversationSchemaFor(parts.record, account.identity.sign),
    keys: parts.verifyKeys,
    now,
    // Someone removed (and not added again) is refused even with a secret they kept.
    admitsPeer: (p): boolean => !parts.isBlocked(p.identity) && !membership.wasRemoved(p.identity) && !(parts.isRevoked?.(p.device, p.identity) ?? false),
  });
  const members = new MemberView({
    account,
    directory: synced.directory,
    log: synced.log,
    presenceKey: () => epochs.keys,
    ...(parts.contactOf ? { contactOf: parts.contactOf } : {}),
  });
  const membership: MembershipView = new MembershipView({
    conversation: parts.record.id,
    synced,
    implicit: () => implicitAdmins(hooks.record(), synced.directory, account.identity.sign),
    kind: parts.record.kind,
    isBlocked: parts.isBlocked,
  });
  // Blocks withhold only in a 1:1; a group, even of two, keeps sharing (blocking hides, §4.4).
  const withholds = blockWithholds(parts.record);
  const changes = new Membership({
    conversation: parts.record.id,
    synced,
    view: membership,
    account,
    now,
    // A 1:1 with someone blocked moves on without them.
    withheld: (identity) => withholds && identity !== account.identity.sign && parts.isBlocked(identity),
  });
  const group = new GroupControl({
    account,
    synced,
    view: membership,
    changes,
    names: members,
    appUrl: parts.appUrl,
    now,
    isVerified: (identity) => parts.isVerified?.(identity) ?? false,
    left: () => hooks.end('left'),
  });
  const transport = new ConversationTransport({
    synced,
    device: account.device.id,
    now,
    ...(parts.mailbox ? { mailbox: parts.mailbox } : {}),
    ...(parts.rooms ? { rooms: parts.rooms } : {}),
    peers: hooks.changed,
    delivered: (sv) => sender.acknowledge(sv),
    // A peer device acknowledged a state vector over a live link: receipts count it.
    acked: (device, sv) => receipts.acked(device as DeviceId, sv),
    progress: hooks.changed,
    failed: hooks.failed,
    logger,
  });
  const epochs = new EpochFollower({
    record: parts.record,
    keys: parts.keys,
    account,
    synced,
    view: membership,
    changes,
    transport,
    now,
    logger,
    save: hooks.save,
    handedOver: async (conversation, epoch) => (await parts.handedOver?.(conversation, epoch)) ?? null,
    deviceRemoved: () => parts.deviceRemoved?.() ?? false,
    ...(withholds ? { blockDecision: parts.blockDecision } : {}),
    loaded: hooks.loaded,
    rekeyed: hooks.rekeyed,
    neighboursChanged: hooks.neighbours,
    ended: (reason) => void hooks.end(reason),
  });
  const typing = new TypingState(account.device.id, account.name, now);
  const sender = new SendPipeline({
    conversation: parts.record.id,
    device: account.device.id,
    outbox: parts.outbox,
    synced,
    now,
    latestAt: () => shown.timeline.latestAt,
    changed: hooks.changed,
    failed: hooks.failed,
    logger,
  });
  const shown = new ShownTimeline({
    membership,
    readAll: () => synced.log.readAll(),
    identityOf: (device) => members.identityOf(device),
    isBlocked: parts.isBlocked,
    // Read once per batch of events; settings() is folded once per membership change.
    historyFrom: () => (membership.settings().history === 'join' ? membership.joinedAt(account.identity.sign) : null),
    changed: hooks.changed,
    preview: hooks.preview,
  });
  const receipts = new Receipts({
    synced,
    device: account.device.id,
    me: account.identity.sign,
    timeline: () => shown.timeline,
    isMine: (device) => members.isMine(device),
    identityOf: (device) => members.identityOf(device),
    sharesReads: () => parts.sharesReads?.() ?? true,
    ...(parts.receiptEveryMs !== undefined ? { everyMs: parts.receiptEveryMs } : {}),
    now,
    changed: hooks.changed,
    failed: hooks.failed,
  });
  return { synced, shown, members, membership, changes, group, transport, epochs, typing, sender, receipts };
}
