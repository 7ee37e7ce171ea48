/**
 * The timeline: a fold over conversation events, maintained incrementally.
 *
 * Entries are kept sorted by (at, id). A live message almost always lands at the end, so
 * adding one is a binary search plus a push; a large batch (a late joiner's history) is
 * appended and sorted once. Relations (edit, delete, reaction) that arrive before their
 * target wait in `orphans` and are applied when it shows up, so the result is the same in
 * any arrival order — the property a CRDT fold needs.
 */
import type { UnsignedEvent } from './events.js';
import type { DeviceId, EventId } from './ids.js';

/** The timeline needs only the user-visible part of an event; signatures were checked before. */
type RelationEvent = Extract<UnsignedEvent, { kind: 'edit' | 'delete' | 'reaction' }>;

export interface TimelineEntry {
  readonly id: EventId;
  readonly kind: 'message' | 'join' | 'leave';
  readonly author: DeviceId;
  readonly at: number;
  /** Current text: the newest edit wins; empty once deleted. */
  readonly text: string;
  readonly edited: boolean;
  readonly deleted: boolean;
  /** emoji → devices currently reacting with it. */
  readonly reactions: ReadonlyMap<string, ReadonlySet<DeviceId>>;
  /** The message this one replies to, if any (it may not have arrived, or be deleted). */
  readonly replyTo?: EventId;
}

interface EntryState {
  entry: TimelineEntry;
  /** Sort key of the edit currently shown, so an older edit arriving late loses. */
  editKey: [number, string] | null;
  /** (author|emoji) → sort key and state of that author's newest reaction decision. */
  reactionVotes: Map<string, { key: [number, string]; on: boolean; author: DeviceId; emoji: string }>;
}

export interface TimelineChange {
  /** Entries added by this batch. */
  readonly added: number;
  /** True when existing entries changed (edits, deletes, reactions). */
  readonly updated: boolean;
}

const BATCH_SORT_THRESHOLD = 64;

const compareKey = (at1: number, id1: string, at2: number, id2: string): number =>
  at1 !== at2 ? at1 - at2 : id1 < id2 ? -1 : id1 > id2 ? 1 : 0;

const compareEntries = (a: TimelineEntry, b: TimelineEntry): number => compareKey(a.at, a.id, b.at, b.id);

export class Timeline {
  private readonly list: TimelineEntry[] = [];
  private readonly states = new Map<EventId, EntryState>();
  private readonly orphans = new Map<EventId, RelationEvent[]>();
  private readonly seenRelations = new Set<EventId>();
  /** Entries shown from a cache (cut text, no relations) until their real event arrives. */
  private readonly provisional = new Set<EventId>();
  private latest = 0;
  private changes = 0;

  /** Sorted entries. Read-only view; it changes in place as events arrive. */
  get entries(): readonly TimelineEntry[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }

  /** Increments on every change; cheap change detection for views. */
  get version(): number {
    return this.changes;
  }

  /** Newest `at` of any event seen, for `nextTimestamp`. */
  get latestAt(): number {
    return this.latest;
  }

  get(id: EventId): TimelineEntry | undefined {
    return this.states.get(id)?.entry;
  }

  has(id: EventId): boolean {
    return this.states.has(id) || this.seenRelations.has(id);
  }

  last(): TimelineEntry | undefined {
    return this.list[this.list.length - 1];
  }

  /**
   * Adds messages from a cache of the newest ones (shortened text): shown at once, and
   * replaced by their real events when those arrive.
   */
  addProvisional(events: readonly UnsignedEvent[]): TimelineChange {
    const change = this.add(events);
    for (const e of events) if (e.kind === 'message') this.provisional.add(e.id);
    return change;
  }

  add(events: readonly UnsignedEvent[]): TimelineChange {
    const fresh: TimelineEntry[] = [];
    const relations: RelationEvent[] = [];
    let replaced = false;
    for (const event of events) {
      if (event.at > this.latest) this.latest = event.at;
      if (event.kind === 'edit' || event.kind === 'delete' || event.kind === 'reaction') {
        if (!this.seenRelations.has(event.id)) {
          this.seenRelations.add(event.id);
          relations.push(event);
        }
        continue;
      }
      if (this.states.has(event.id)) {
        if (event.kind === 'message' && this.provisional.delete(event.id)) replaced = this.replaceProvisional(event) || replaced;
        continue;
      }
      const entry: TimelineEntry = {
        id: event.id,
        kind: event.kind,
        author: event.author,
        at: event.at,
        text: event.kind === 'message' ? event.text : event.kind === 'join' ? event.name : '',
        edited: false,
        deleted: false,
        reactions: EMPTY_REACTIONS,
        ...(event.kind === 'message' && event.replyTo ? { replyTo: event.replyTo } : {}),
      };
      this.states.set(event.id, { entry, editKey: null, reactionVotes: new Map() });
      fresh.push(entry);
    }
    this.insertSorted(fresh);

    let updated = replaced;
    for (const entry of fresh) {
      const waiting = this.orphans.get(entry.id);
      if (waiting) {
        this.orphans.delete(entry.id);
        for (const r of waiting) updated = this.applyRelation(r) || updated;
      }
    }
    for (const r of relations) updated = this.applyRelation(r) || updated;
    if (fresh.length > 0 || updated) this.changes++;
    return { added: fresh.length, updated };
  }

  /** The real event of a cached entry: its full text and reply target replace the cache's. */
  private replaceProvisional(event: Extract<UnsignedEvent, { kind: 'message' }>): boolean {
    const state = this.states.get(event.id)!;
    const entry = state.entry;
    // An edit that arrived meanwhile keeps its text; otherwise the real text replaces the cut one.
    const next: TimelineEntry = {
      ...entry,
      text: entry.edited || entry.deleted ? entry.text : event.text,
      ...(event.replyTo ? { replyTo: event.replyTo } : {}),
    };
    state.entry = next;
    this.list[this.indexFor(next.at, next.id)] = next;
    return true;
  }

  private insertSorted(fresh: TimelineEntry[]): void {
    if (fresh.length === 0) return;
    if (fresh.length > BATCH_SORT_THRESHOLD) {
      for (const e of fresh) this.list.push(e);
      this.list.sort(compareEntries);
      return;
    }
    for (const e of fresh) {
      const last = this.list[this.list.length - 1];
      if (!last || compareEntries(last, e) <= 0) {
        this.list.push(e);
        continue;
      }
      this.list.splice(this.indexFor(e.at, e.id), 0, e);
    }
  }

  /** First index whose key is ≥ (at, id). */
  private indexFor(at: number, id: string): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.list[mid]!;
      if (compareKey(m.at, m.id, at, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private applyRelation(r: RelationEvent): boolean {
    const state = this.states.get(r.target);
    if (!state) {
      const list = this.orphans.get(r.target);
      if (list) list.push(r);
      else this.orphans.set(r.target, [r]);
      return false;
    }
    const entry = state.entry;
    if (entry.kind !== 'message') return false;
    let next: TimelineEntry | null = null;
    switch (r.kind) {
      case 'edit': {
        // Only the author edits their words, and a deleted message stays deleted.
        if (r.author !== entry.author || entry.deleted) return false;
        if (state.editKey && compareKey(state.editKey[0], state.editKey[1], r.at, r.id) >= 0) return false;
        state.editKey = [r.at, r.id];
        next = { ...entry, text: r.text, edited: true };
        break;
      }
      case 'delete': {
        if (r.author !== entry.author || entry.deleted) return false;
        next = { ...entry, text: '', deleted: true, edited: false, reactions: EMPTY_REACTIONS };
        break;
      }
      case 'reaction': {
        if (entry.deleted) return false;
        const voteKey = `${r.author}|${r.emoji}`;
        const prior = state.reactionVotes.get(voteKey);
        if (prior && compareKey(prior.key[0], prior.key[1], r.at, r.id) >= 0) return false;
        state.reactionVotes.set(voteKey, { key: [r.at, r.id], on: r.on, author: r.author, emoji: r.emoji });
        next = { ...entry, reactions: foldReactions(state.reactionVotes) };
        break;
      }
    }
    state.entry = next;
    this.list[this.indexFor(next.at, next.id)] = next;
    return true;
  }
}

const EMPTY_REACTIONS: ReadonlyMap<string, ReadonlySet<DeviceId>> = new Map();

function foldReactions(votes: EntryState['reactionVotes']): Map<string, Set<DeviceId>> {
  const out = new Map<string, Set<DeviceId>>();
  for (const v of votes.values()) {
    if (!v.on) continue;
    let set = out.get(v.emoji);
    if (!set) out.set(v.emoji, (set = new Set()));
    set.add(v.author);
  }
  return out;
}
