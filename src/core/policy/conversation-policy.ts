/**
 * One admission and visibility policy for conversations, shared by pages and the service
 * worker (docs/architecture.md §8.2), so neither can drift into weaker rules.
 *
 * Two questions, kept apart on purpose:
 * - **Who may write** (authorization): in a 1:1 chat the two identities, in a group anyone
 *   the document's membership admits. Blocking plays no part: a blocked person's authentic
 *   content is still accepted, stored and relayed, so blocking can never make this device
 *   refuse an honest peer's update or cut it off from the others.
 * - **What is shown** (visibility): nothing by a blocked identity — no message in the
 *   timeline, no notification, no unread count.
 */
import * as Y from 'yjs';
import { conversationSchema, type DocSchema } from '../authorship/schema.js';
import type { UnsignedEvent } from '../events.js';
import type { DeviceId } from '../ids.js';
import type { IdentityId } from '../identity/keys.js';

/** The part of a conversation record the policy reads. */
export interface PolicyRecord {
  readonly kind?: 'group' | 'direct';
  readonly peer?: string;
}

/** Which identities may be members of a conversation. */
export function admitsIdentity(record: PolicyRecord, me: IdentityId): (identity: IdentityId) => boolean {
  const peer = record.peer as IdentityId | undefined;
  if (record.kind === 'direct' && peer) return (identity) => identity === me || identity === peer;
  return () => true;
}

/** The conversation's document schema under this policy. */
export function conversationSchemaFor(record: PolicyRecord, me: IdentityId): DocSchema {
  return conversationSchema(admitsIdentity(record, me));
}

export interface Visibility {
  /** The identity behind a device, when its member record is known. */
  readonly identityOf: (device: DeviceId) => IdentityId | null;
  readonly isBlocked: (identity: IdentityId) => boolean;
}

/** Whether an author's content is shown on this device. */
export function shows(v: Visibility, author: DeviceId): boolean {
  const identity = v.identityOf(author);
  return identity === null || !v.isBlocked(identity);
}

/** Messages worth a notification: from someone else, not blocked. */
export function notifiable(events: readonly UnsignedEvent[], v: Visibility & { readonly isMine: (device: DeviceId) => boolean }): UnsignedEvent[] {
  return events.filter((e) => e.kind === 'message' && !v.isMine(e.author) && shows(v, e.author));
}

/**
 * Identities the user blocked, read from a self doc's `contacts` map (a local document,
 * every value authorized when it arrived).
 */
export function blockedIdentities(selfDoc: Y.Doc): Set<IdentityId> {
  const out = new Set<IdentityId>();
  selfDoc.getMap('contacts').forEach((value) => {
    const c = value as { state?: unknown; identity?: { sign?: unknown } } | null;
    if (c?.state === 'blocked' && typeof c.identity?.sign === 'string') out.add(c.identity.sign as IdentityId);
  });
  return out;
}
