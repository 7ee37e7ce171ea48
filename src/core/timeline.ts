/**
 * The timeline: a fold over conversation events, maintained incrementally
 * (docs/architecture.md §3.3, §3.5).
 *
 * Entries are kept sorted by (sort time, id). A live message almost always lands at the
 * end, so adding one is a binary search plus a push; a large batch (a late joiner's
 * history) is appended and sorted once. Relations (edit, delete, reaction) that arrive
 * before their target wait in `orphans` and are applied when it shows up, so the result is
 * the same in any arrival order — the property a CRDT fold needs.
 *
 * Times are the author's claim, so the fold does not trust them blindly:
 * - an entry dated more than MAX_CLOCK_SKEW past this device's clock is flagged `future`;
 *   it never counts as the newest time (read markers, the next timestamp, previews);
 * - an entry dated before an earlier entry of the same Yjs client (its author's own order)
 *   is flagged `backdated` and sorts right after that earlier entry, not into the past.
 * Equivocation — one event id with two different signed contents — is never resolved
 * silently: the entry is marked `disputed` with every version, and the version shown is
 * chosen by content, so every member and every reload shows the same one.
 */
import { MAX_CLOCK_SKEW, type UnsignedEvent } from './events.js';
import { cleanFileRef, type FileRef } from './files/file-ref.js';
import type { DeviceId, EventId } from './ids.js';

/** The timeline needs only the user-visible part of an event, plus its placement when known. */
export type TimelineInput = UnsignedEvent & { readonly c?: number; readonly k?: number };
type RelationEvent = Extract<TimelineInput, { kind: 'edit' | 'delete' | 'reaction' }>;
type EntryEvent = Extract<TimelineInput, { kind: 'message' | 'join' | 'leave' }>;

/** Why an entry's time is not taken at its word. */
export type TimeFlag = 'future' | 'backdated';

export interface TimelineEntry {
  readonly id: EventId;
  readonly kind: 'message' | 'join' | 'leave';
  readonly author: DeviceId;
  /** The time its author signed. */
  readonly at: number;
  /** Where it sorts: `at`, or later when it claims to predate its author's earlier entry. */
  readonly sortAt: number;
  readonly flag: TimeFlag | null;
  /** Current text: the newest edit wins; empty once deleted. */
  readonly text: string;
  readonly edited: boolean;
  readonly deleted: boolean;
  /** emoji → devices currently reacting with it. */
  readonly reactions: ReadonlyMap<string, ReadonlySet<DeviceId>>;
  /** Every text signed under this id (or its edits) when its author equivocated; else null. */
  readonly disputed: readonly string[] | null;
  /** The message this one replies to, if any (it may not have arrived, or be deleted). */
  readonly replyTo?: EventId;
  /** The file a message carries (its text is the caption); dropped when it is deleted. */
  readonly file?: FileRef;
}

interface EntryState {
  entry: TimelineEntry;
  /** Signed versions of this event, by content; the shown one is the least. */
  variants: Map<string, EntryEvent>;
  /** Sort key of the edit currently shown, so an older edit arriving late loses. */
  editKey: [number, string] | null;
  /** Texts of edits whose id carried two contents. */
  disputedEdits: Set<string> | null;
  /** (author|emoji) → sort key and state of that author's newest reaction decision. */
  reactionVotes: Map<string, { key: [number, string]; on: boolean; author: DeviceId; emoji: string }>;
}

export interface TimelineChange {
  /** Entries added by this batch. */
  readonly added: number;
  /** True when existing entries changed (edits, deletes, reactions). */
  readonly updated: boolean;
}

export interface TimelineOptions {
  /** This device's clock, for the `future` flag. */
  readonly now?: () => number;
}

const BATCH_SORT_THRESHOLD = 64;

const compareKey = (at1: number, id1: string, at2: number, id2: string): number =>
  at1 !== at2 ? at1 - at2 : id1 < id2 ? -1 : id1 > id2 ? 1 : 0;

/** Timeline order: sort time, then id. */
export const compareEntries = (a: TimelineEntry, b: TimelineEntry): number => compareKey(a.sortAt, a.id, b.sortAt, b.id);

/** What makes two versions of one event different, as a total order. */
const contentKey = (e: TimelineInput): string => {
  switch (e.kind) {
    case 'message':
      // A file is content too: the same id and text with another file is equivocation.
      return e.file ? `${e.at}|message|${e.text}|${e.file.root}` : `${e.at}|message|${e.text}`;
    case 'edit':
      return `${e.at}|${e.kind}|${e.text}`;
    case 'join':
      return `${e.at}|join|${e.name}`;
    case 'reaction':
      return `${e.at}|reaction|${e.emoji}|${e.on}`;
    default:
      return `${e.at}|${e.kind}|${'target' in e ? e.target : ''}`;
  }
};

const textOf = (e: EntryEvent): string => (e.kind === 'message' ? e.text : e.kind === 'join' ? e.name : '');

export class Timeline {
  private readonly list: TimelineEntry[] = [];
  private readonly states = new Map<EventId, EntryState>();
  private readonly orphans = new Map<EventId, RelationEvent[]>();
  /** Relations seen, by id and content (an id with two contents is applied twice, deterministically). */
  private readonly seenRelations = new Set<string>();
  private readonly relationIds = new Map<EventId, string>();
  /** Entries shown from a cache (cut text, no relations) until their real event arrives. */
  private readonly provisional = new Set<EventId>();
  /** Per author and Yjs client: its entries by clock, for the author's own order. */
  private readonly chains = new Map<string, { maxK: number; maxAt: number; members: Array<{ k: number; id: EventId }> }>();
  private latest = 0;
  private futureCount = 0;
  private changes = 0;
  private readonly now: () => number;

  constructor(options: TimelineOptions = {}) {
    this.now = options.now ?? Date.now;
  }

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

  /** Newest believable time of any event seen (future-dated ones excluded): for `nextTimestamp` and read markers. */
  get latestAt(): number {
    return this.latest;
  }

  get(id: EventId): TimelineEntry | undefined {
    return this.states.get(id)?.entry;
  }

  has(id: EventId): boolean {
    return this.states.has(id) || this.relationIds.has(id);
  }

  /** The newest entry whose time is believable (a future-dated one never becomes the preview). */
  last(): TimelineEntry | undefined {
    for (let i = this.list.length - 1, skipped = 0; i >= 0 && skipped <= this.futureCount; i--) {
      const e = this.list[i]!;
      if (e.flag !== 'future') return e;
      skipped++;
    }
    return undefined;
  }

  /**
   * Adds messages from a cache of the newest ones (shortened text): shown at once, and
   * replaced by their real events when those arrive (never counted as a second version).
   */
  addProvisional(events: readonly TimelineInput[]): TimelineChange {
    const change = this.add(events);
    for (const e of events) if (e.kind === 'message') this.provisional.add(e.id);
    return change;
  }

  add(events: readonly TimelineInput[]): TimelineChange {
    const fresh: TimelineEntry[] = [];
    const relations: RelationEvent[] = [];
    const now = this.now();
    const dirty = new Set<string>();
    let reorder = false;
    let updated = false;
    for (const event of events) {
      const future = event.at > now + MAX_CLOCK_SKEW;
      if (!future && event.at > this.latest) this.latest = event.at;
      if (event.kind === 'edit' || event.kind === 'delete' || event.kind === 'reaction') {
        const key = `${event.id}|${contentKey(event)}`;
        if (!this.seenRelations.has(key)) {
          this.seenRelations.add(key);
          const first = this.relationIds.get(event.id);
          if (first === undefined) this.relationIds.set(event.id, key);
          else if (event.kind === 'edit' && this.disputeEdit(event, first)) updated = true;
          relations.push(event);
        }
        continue;
      }
      const known = this.states.get(event.id);
      if (known && event.kind === 'message' && this.provisional.delete(event.id)) {
        this.replaceProvisional(known, event);
        updated = true;
        continue;
      }
      if (known) {
        const variant = contentKey(event);
        if (!known.variants.has(variant)) {
          known.variants.set(variant, event);
          reorder = this.reshow(known) || reorder;
          updated = true;
        }
        continue;
      }
      if (future) this.futureCount++;
      const entry: TimelineEntry = {
        id: event.id,
        kind: event.kind,
        author: event.author,
        at: event.at,
        sortAt: event.at,
        flag: future ? 'future' : null,
        text: textOf(event),
        edited: false,
        deleted: false,
        reactions: EMPTY_REACTIONS,
        disputed: null,
        ...(event.kind === 'message' && event.replyTo ? { replyTo: event.replyTo } : {}),
        ...(event.kind === 'message' && event.file ? { file: cleanFileRef(event.file) } : {}),
      };
      const state: EntryState = { entry, variants: new Map([[contentKey(event), event]]), editKey: null, disputedEdits: null, reactionVotes: new Map() };
      this.states.set(event.id, state);
      if (!future && event.c !== undefined && event.k !== undefined) this.placeInChain(state, event.c, event.k, dirty);
      fresh.push(state.entry);
    }
    if (dirty.size > 0) reorder = this.replaceChains(dirty) || reorder;
    if (reorder) {
      for (const e of fresh) this.list.push(this.states.get(e.id)!.entry);
      this.list.sort(compareEntries);
    } else {
      this.insertSorted(fresh.map((e) => this.states.get(e.id)!.entry));
    }

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

  /**
   * For each author `authors` accepts, the newest sort time among its entries that a state
   * vector covers (clock below the vector's entry for its Yjs client): a device that
   * acknowledged `sv` holds them. Chains are in clock order, so this reads from each
   * chain's end back to the first covered entry.
   */
  coveredBy(sv: ReadonlyMap<number, number>, authors: (device: DeviceId) => boolean): Map<DeviceId, number> {
    const out = new Map<DeviceId, number>();
    for (const [key, chain] of this.chains) {
      const bar = key.lastIndexOf('|');
      const author = key.slice(0, bar) as DeviceId;
      if (!authors(author)) continue;
      const clock = sv.get(Number(key.slice(bar + 1))) ?? 0;
      for (let i = chain.members.length - 1; i >= 0; i--) {
        const member = chain.members[i]!;
        if (member.k >= clock) continue;
        const at = this.states.get(member.id)?.entry.sortAt ?? 0;
        if (at > (out.get(author) ?? 0)) out.set(author, at);
        break;
      }
    }
    return out;
  }

  /**
   * An entry never sorts before an earlier entry of its own client: clocks of one client
   * are its author's own order. In clock order (the usual case) this is O(1); an entry that
   * arrives before an earlier one marks its client for one recomputation after the batch.
   */
  private placeInChain(state: EntryState, c: number, k: number, dirty: Set<string>): void {
    const key = `${state.entry.author}|${c}`;
    let chain = this.chains.get(key);
    if (!chain) this.chains.set(key, (chain = { maxK: -1, maxAt: 0, members: [] }));
    chain.members.push({ k, id: state.entry.id });
    if (k < chain.maxK) {
      dirty.add(key);
      return;
    }
    chain.maxK = k;
    // One millisecond after what it claims to predate, so it also sorts after it.
    if (state.entry.at < chain.maxAt) state.entry = { ...state.entry, sortAt: ++chain.maxAt, flag: 'backdated' };
    else chain.maxAt = state.entry.at;
  }

  /** Recomputes the clients whose entries arrived out of clock order; true when any moved. */
  private replaceChains(dirty: Set<string>): boolean {
    let moved = false;
    for (const key of dirty) {
      const chain = this.chains.get(key)!;
      chain.members.sort((x, y) => x.k - y.k);
      let max = 0;
      for (const member of chain.members) {
        const s = this.states.get(member.id)!;
        const backdated = s.entry.at < max;
        const sortAt = backdated ? ++max : s.entry.at;
        if (!backdated) max = s.entry.at;
        if (s.entry.sortAt !== sortAt || (s.entry.flag === 'backdated') !== backdated) {
          this.replace(s, { ...s.entry, sortAt, flag: backdated ? 'backdated' : null }, false);
          moved = true;
        }
      }
      chain.maxAt = max;
    }
    return moved;
  }

  /** The real event of a cached entry: its full text and reply target replace the cache's. */
  private replaceProvisional(state: EntryState, event: Extract<TimelineInput, { kind: 'message' }>): void {
    const entry = state.entry;
    state.variants = new Map([[contentKey(event), event]]);
    // An edit that arrived meanwhile keeps its text; otherwise the real text replaces the cut one.
    const next: TimelineEntry = {
      ...entry,
      text: entry.edited || entry.deleted ? entry.text : event.text,
      ...(event.replyTo ? { replyTo: event.replyTo } : {}),
      ...(event.file && !entry.deleted ? { file: cleanFileRef(event.file) } : {}),
    };
    this.replace(state, next, true);
  }

  /** Shows the least version of an equivocated event, with all of them listed. */
  private reshow(state: EntryState): boolean {
    const keys = [...state.variants.keys()].sort();
    const chosen = state.variants.get(keys[0]!)!;
    const texts = keys.map((k) => textOf(state.variants.get(k)!));
    const entry = state.entry;
    const next: TimelineEntry = {
      ...entry,
      at: chosen.at,
      sortAt: entry.flag === 'backdated' ? Math.max(chosen.at, entry.sortAt) : chosen.at,
      text: entry.deleted ? '' : entry.edited ? entry.text : textOf(chosen),
      disputed: [...new Set([...texts, ...(state.disputedEdits ?? [])])],
    };
    const moved = next.sortAt !== entry.sortAt;
    this.replace(state, next, false);
    return moved;
  }

  /** An edit id carried two different texts: both are listed on the target. */
  private disputeEdit(edit: Extract<RelationEvent, { kind: 'edit' }>, firstKey: string): boolean {
    const state = this.states.get(edit.target);
    const firstText = firstKey.split('|').slice(3).join('|');
    if (!state) return false;
    state.disputedEdits ??= new Set();
    state.disputedEdits.add(firstText);
    state.disputedEdits.add(edit.text);
    this.replace(state, { ...state.entry, disputed: [...new Set([...(state.entry.disputed ?? []), ...state.disputedEdits])] }, true);
    return true;
  }

  /**
   * Swaps an entry's state in the list. `inPlace`: its sort key is unchanged and the list is
   * sorted, so a binary search finds it; otherwise (rare) a scan does, and the caller
   * re-sorts the list.
   */
  private replace(state: EntryState, next: TimelineEntry, inPlace: boolean): void {
    const previous = state.entry;
    state.entry = next;
    const i = inPlace ? this.indexFor(previous.sortAt, previous.id) : this.list.indexOf(previous);
    if (this.list[i] === previous) this.list[i] = next;
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
      this.list.splice(this.indexFor(e.sortAt, e.id), 0, e);
    }
  }

  /** First index whose key is ≥ (sortAt, id). */
  private indexFor(sortAt: number, id: string): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.list[mid]!;
      if (compareKey(m.sortAt, m.id, sortAt, id) < 0) lo = mid + 1;
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
        // Ties (one id, two texts) break on the text, so every order shows the same one.
        const key: [number, string] = [r.at, `${r.id}|${r.text}`];
        if (state.editKey && compareKey(state.editKey[0], state.editKey[1], key[0], key[1]) >= 0) return false;
        state.editKey = key;
        next = { ...entry, text: r.text, edited: true };
        break;
      }
      case 'delete': {
        if (r.author !== entry.author || entry.deleted) return false;
        const { file: _file, ...rest } = entry;
        next = { ...rest, text: '', deleted: true, edited: false, reactions: EMPTY_REACTIONS };
        break;
      }
      case 'reaction': {
        if (entry.deleted) return false;
        const voteKey = `${r.author}|${r.emoji}`;
        const prior = state.reactionVotes.get(voteKey);
        const key: [number, string] = [r.at, `${r.id}|${r.on}`];
        if (prior && compareKey(prior.key[0], prior.key[1], key[0], key[1]) >= 0) return false;
        state.reactionVotes.set(voteKey, { key, on: r.on, author: r.author, emoji: r.emoji });
        next = { ...entry, reactions: foldReactions(state.reactionVotes) };
        break;
      }
    }
    this.replace(state, next, true);
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
