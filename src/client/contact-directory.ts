/**
 * What the app knows of the user's contacts from the start: the stored contacts of the self
 * doc (names, verification, who is blocked, and the history of block decisions), and the
 * contact book's events. Conversations need it before the first screen (a blocked person's
 * messages stay hidden, a 1:1 shows its contact's name); the contact book itself (links,
 * requests in and out, safety numbers) loads after the list (contact-book.ts,
 * docs/architecture.md §11), and adds the requests waiting for an answer here.
 */
import { ObservableV2 } from 'lib0/observable';
import type { DeviceId } from '../core/ids.js';
import type { IdentityId } from '../core/identity/keys.js';
import type { BlockDecision, BlockedVersion } from '../core/membership/blocks.js';
import type { ContactRecord, SelfSession } from './self-session.js';

export type ContactEvents = {
  changed: () => void;
  /**
   * Blocking changed: conversations must re-check who they show and admit. `here`: this
   * device made the change; otherwise another device of the user did, through the self doc.
   */
  blocked: (identity: IdentityId, here: boolean) => void;
};

/** Requests waiting for an answer, shaped as contacts (state 'incoming'); the contact book's. */
export interface IncomingRequests {
  list(): ContactRecord[];
  get(identity: IdentityId): ContactRecord | null;
}

export class ContactDirectory extends ObservableV2<ContactEvents> {
  /** Who was blocked at the last look at the self doc: another device's change shows as a difference. */
  private readonly blockedSeen = new Set<IdentityId>();
  private incoming: IncomingRequests | null = null;

  constructor(
    private readonly self: SelfSession,
    /** This device: its own block changes are told by the contact book, not found here. */
    private readonly device: DeviceId,
  ) {
    super();
    for (const c of self.contacts()) if (c.state === 'blocked') this.blockedSeen.add(c.identity.sign);
    self.on('changed', this.onSelfChanged);
  }

  /** The contact book, once loaded, lists the requests waiting for an answer here too. */
  attach(incoming: IncomingRequests): void {
    this.incoming = incoming;
    this.emit('changed', []);
  }

  /** Stored contacts, and requests waiting for an answer (state 'incoming'). */
  list(): ContactRecord[] {
    const stored = this.self.contacts();
    const known = new Set(stored.map((c) => c.identity.sign));
    const waiting = (this.incoming?.list() ?? []).filter((c) => !known.has(c.identity.sign));
    return [...stored, ...waiting].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(identity: IdentityId): ContactRecord | null {
    return this.self.contact(identity) ?? this.incoming?.get(identity) ?? null;
  }

  /** A stored contact only, never a request waiting for an answer. */
  stored(identity: IdentityId): ContactRecord | null {
    return this.self.contact(identity);
  }

  isBlocked(identity: IdentityId): boolean {
    return this.self.contact(identity)?.state === 'blocked';
  }

  /**
   * What the user last decided about blocking someone, when, and which `blocked` decisions
   * that replaced, each with when the first decision after it lifted it (the self doc keeps
   * them all): a device of the user's may owe an unblock for a block one of their devices
   * lifted before receiving it (docs/architecture.md §4.4).
   */
  blockDecision(identity: IdentityId): BlockDecision | null {
    const [current, ...older] = this.self.contactVersions(identity);
    if (!current) return null;
    const replaced: BlockedVersion[] = [];
    // Newest first: the last version not `blocked` passed is the first one after a `blocked` one.
    let liftedAt = current.state === 'blocked' ? null : current.at;
    for (const c of older) {
      if (c.state === 'blocked') replaced.unshift({ by: c.by, at: c.at, liftedAt });
      else liftedAt = c.at;
    }
    return { blocked: current.state === 'blocked', at: current.at, replaced };
  }

  override destroy(): void {
    this.self.off('changed', this.onSelfChanged);
    this.incoming = null;
    super.destroy();
  }

  private readonly onSelfChanged = (): void => {
    for (const c of this.self.contacts()) {
      const identity = c.identity.sign;
      const blocked = c.state === 'blocked';
      if (blocked === this.blockedSeen.has(identity)) continue;
      if (blocked) this.blockedSeen.add(identity);
      else this.blockedSeen.delete(identity);
      // Another device of the user blocked or unblocked them (this device's own change is told by the contact book).
      if (c.by !== this.device) this.emit('blocked', [identity, false]);
    }
    this.emit('changed', []);
  };
}
