/**
 * What the timeline of an open conversation shows: the signed log folded into a `Timeline`,
 * without the events of blocked people or of members removed (docs/architecture.md §4), and
 * refolded when either changes. Blocking hides a person; it never changes what is authorized.
 *
 * What blocked people wrote is folded apart, into `blocked`: the list shows it as one
 * collapsed line per run ("3 messages from a blocked person") that opens on request. It
 * never counts as unread, never becomes the preview and never notifies. Removed members'
 * later events are not kept at all, and neither are events from before this person joined
 * when the group shows new members history from their join on (§4.6).
 */
import { shows } from '../../core/policy/conversation-policy.js';
import type { ConversationEvent, UnsignedEvent } from '../../core/events.js';
import { parseCachedFile, standInRef } from '../../core/files/file-ref.js';
import type { DeviceId, EventId } from '../../core/ids.js';
import type { IdentityId } from '../../core/identity/keys.js';
import { Timeline, type TimelineEntry } from '../../core/timeline.js';
import type { RecentMessage } from '../../store/types.js';
import type { MembershipView } from './membership-view.js';

export interface ShownTimelineParts {
  readonly membership: MembershipView;
  /** Every event of the signed log, in order. */
  readonly readAll: () => UnsignedEvent[];
  readonly identityOf: (device: DeviceId) => IdentityId | null;
  readonly isBlocked: (identity: IdentityId) => boolean;
  /**
   * Events dated before this are not shown (the group shows new members history from their
   * join on, and this device's person joined then); null shows everything.
   */
  readonly historyFrom: () => number | null;
  /** The timeline changed (entries added, updated or refolded). */
  readonly changed: () => void;
  /** The newest entry changed, for the sidebar preview. */
  readonly preview: (entry: TimelineEntry) => void;
}

/** Why an event is or is not shown. */
type Placement = 'shown' | 'blocked' | 'hidden';

export class ShownTimeline {
  private current = new Timeline();
  private hiddenByBlock = new Timeline();
  /** Members and removals the timeline was last filtered for. */
  private shownFor = '';
  /**
   * The events the last refold read, until the next `add`. A late joiner's history brings
   * membership records and events in one transaction: membership's handler refolds the
   * whole log, new events included, and then the log's observer hands the same events to
   * `add`, which folded 100k of them a second time only to find each one known (0.4 s of
   * the join, docs/architecture.md §5.6). They are the very objects the log holds, so a
   * refolded one is recognised by identity.
   */
  private refolded: ReadonlySet<UnsignedEvent> | null = null;

  constructor(private readonly parts: ShownTimelineParts) {}

  get timeline(): Timeline {
    return this.current;
  }

  /** What people the user blocked wrote here (their own edits and deletes applied). */
  get blocked(): Timeline {
    return this.hiddenByBlock;
  }

  /**
   * The newest messages from the last session, shown before the document loads; the real
   * events carry the same ids, so loading them changes nothing on screen.
   */
  showRecent(recent: readonly RecentMessage[]): void {
    if (recent.length === 0) return;
    this.current.addProvisional(
      recent.map((m) => {
        // Read back from storage: checked as a message's file is, the thumbnail's size capped.
        const file = m.file ? parseCachedFile(m.file) : null;
        return { id: m.id as EventId, kind: 'message' as const, author: m.author as DeviceId, at: m.at, text: m.text, ...(file ? { file: standInRef(file) } : {}) };
      }),
    );
  }

  /** Folds new events of the log in; tells `preview` when the newest entry changed. */
  add(events: UnsignedEvent[]): void {
    const refolded = this.refolded;
    this.refolded = null;
    if (refolded) events = events.filter((e) => !refolded.has(e));
    if (events.length === 0) return;
    const before = this.current.last();
    const from = this.parts.historyFrom();
    const placed = events.map((e) => this.placement(e, from));
    const shown = placed.every((p) => p === 'shown') ? events : events.filter((_, i) => placed[i] === 'shown');
    const blocked = placed.includes('blocked') ? this.hiddenByBlock.add(events.filter((_, i) => placed[i] === 'blocked')) : null;
    const change = this.current.add(shown);
    if (change.added === 0 && !change.updated) {
      if (blocked && (blocked.added > 0 || blocked.updated)) this.parts.changed();
      return;
    }
    const after = this.current.last();
    if (after && after !== before) this.parts.preview(after);
    this.parts.changed();
  }

  /** Re-folds the whole log, e.g. after blocking someone whose events must disappear. */
  refilter(): void {
    const fresh = new Timeline();
    const blocked = new Timeline();
    const all = this.parts.readAll();
    const from = this.parts.historyFrom();
    const placed = all.map((e) => this.placement(e, from));
    fresh.add(all.filter((_, i) => placed[i] === 'shown'));
    blocked.add(all.filter((_, i) => placed[i] === 'blocked'));
    this.current = fresh;
    this.hiddenByBlock = blocked;
    this.refolded = new Set(all);
    this.parts.changed();
  }

  /** Refolds when someone was removed or added, or history visibility changed (events may hide or show). */
  refilterIfMembershipChanged(): void {
    const from = this.parts.historyFrom();
    const key = `${this.parts.membership.whoIsShown()}|${from ?? ''}`;
    if (key === this.shownFor) return;
    const first = this.shownFor === '';
    this.shownFor = key;
    if (!first || this.parts.membership.state.removed.size > 0 || from !== null) this.refilter();
  }

  /** Whether `device` has a join entry in the timeline. */
  hasJoined(device: DeviceId): boolean {
    return this.current.entries.some((e) => e.kind === 'join' && e.author === device);
  }

  private placement(event: UnsignedEvent, from: number | null): Placement {
    if (from !== null && event.at < from) return 'hidden';
    const placed = event as Partial<ConversationEvent>;
    if (placed.c !== undefined && placed.k !== undefined && !this.parts.membership.shows(placed as ConversationEvent)) return 'hidden';
    return shows({ identityOf: (d) => this.parts.identityOf(d), isBlocked: this.parts.isBlocked }, event.author) ? 'shown' : 'blocked';
  }
}
