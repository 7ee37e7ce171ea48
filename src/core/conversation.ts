/**
 * The conversation document schema (docs/architecture.md §3.1).
 *
 * One Y.Doc per conversation:
 * - `log:<author>:<n>` root arrays: each author device appends events only to its own
 *   shards, at most SHARD_SIZE per array, always with `insert(length, …)`. A send then
 *   costs the same at 1M messages as at 10k, and "who may write where" is a name check.
 * - `members`: device id → { name, at }, written only by that device.
 * - `meta`: conversation-wide settings (title, creation time).
 * - `reads`: device id → newest event time that device has read.
 *
 * New events are discovered by scanning the structs a transaction added, so the cost of
 * noticing k new events is O(k), whatever the history length.
 */
import * as Y from 'yjs';
import { rootName } from './authorship/decoded-update.js';
import { parseEvent, type ConversationEvent } from './events.js';
import { isId, type DeviceId } from './ids.js';
import type { MemberRecord } from './authorship/records.js';
import type { SignedRecord } from './identity/signed.js';

export const SHARD_SIZE = 1000;
const LOG_PREFIX = 'log:';

export const shardName = (author: DeviceId, index: number): string => `${LOG_PREFIX}${author}:${index}`;

export interface ShardRef {
  readonly author: DeviceId;
  readonly index: number;
}

export function parseShardName(name: string): ShardRef | null {
  if (!name.startsWith(LOG_PREFIX)) return null;
  const rest = name.slice(LOG_PREFIX.length);
  const colon = rest.lastIndexOf(':');
  if (colon < 0) return null;
  const author = rest.slice(0, colon);
  const indexText = rest.slice(colon + 1);
  if (!isId(author) || !/^(0|[1-9][0-9]{0,8})$/.test(indexText)) return null;
  return { author: author as DeviceId, index: Number(indexText) };
}

/** A new batch of events together with the transaction that carried them. */
export type EventsListener = (events: ConversationEvent[], origin: unknown) => void;

export class ConversationLog {
  /** Per author: the shard currently being filled, so appends never scan the doc. */
  private readonly currentShard = new Map<DeviceId, number>();

  constructor(readonly doc: Y.Doc) {}

  get members(): Y.Map<MemberRecord> {
    return this.doc.getMap<MemberRecord>('members');
  }

  get meta(): Y.Map<unknown> {
    return this.doc.getMap('meta');
  }

  get reads(): Y.Map<SignedRecord> {
    return this.doc.getMap<SignedRecord>('reads');
  }

  /** Where the next local write will sit: this client and its next clock. */
  placement(): { c: number; k: number } {
    return { c: this.doc.clientID, k: Y.getState(this.doc.store, this.doc.clientID) };
  }

  /**
   * Appends events authored by `author`, already signed for their placement, filling the
   * current shard up to SHARD_SIZE and opening the next one as needed, in one transaction.
   * Throws if the events were signed for another placement: a signed event must land exactly
   * where its signature says.
   */
  append(author: DeviceId, events: readonly ConversationEvent[], origin: unknown = null): Y.ID[] {
    if (events.length === 0) return [];
    const start = this.placement();
    events.forEach((e, i) => {
      if (e.c !== start.c || e.k !== start.k + i) throw new Error('event signed for another placement');
    });
    this.doc.transact(() => {
      let index = this.shardIndexFor(author);
      let offset = 0;
      while (offset < events.length) {
        let shard = this.doc.getArray<ConversationEvent>(shardName(author, index));
        if (shard.length >= SHARD_SIZE) {
          index += 1;
          shard = this.doc.getArray<ConversationEvent>(shardName(author, index));
        }
        const room = Math.max(SHARD_SIZE - shard.length, 1);
        const batch = events.slice(offset, offset + room);
        shard.insert(shard.length, batch);
        offset += batch.length;
      }
      this.currentShard.set(author, index);
    }, origin);
    return events.map((_, i) => Y.createID(start.c, start.k + i));
  }

  /** Where each of the given events by `author` sits in the doc (its Yjs item id). */
  locate(author: DeviceId, ids: ReadonlySet<string>): Map<string, Y.ID> {
    const found = new Map<string, Y.ID>();
    if (ids.size === 0) return found;
    for (const [name, type] of this.doc.share) {
      if (parseShardName(name)?.author !== author) continue;
      for (let item = type._start; item !== null; item = item.right) {
        if (item.deleted || !(item.content instanceof Y.ContentAny)) continue;
        const values = item.content.arr;
        for (let j = 0; j < values.length; j++) {
          const id = (values[j] as { id?: unknown } | null)?.id;
          if (typeof id === 'string' && ids.has(id)) found.set(id, Y.createID(item.id.client, item.id.clock + j));
        }
      }
    }
    return found;
  }

  /** The newest event `author` appended (end of its newest shard), for hash chaining. */
  lastEvent(author: DeviceId): ConversationEvent | null {
    for (let i = this.shardIndexFor(author); i >= 0; i--) {
      const type = this.doc.share.get(shardName(author, i));
      let last: Y.Item | null = null;
      for (let item = type?._start ?? null; item !== null; item = item.right) {
        if (!item.deleted && item.content instanceof Y.ContentAny) last = item;
      }
      if (last) {
        const values = (last.content as Y.ContentAny).arr;
        return parseEvent(values[values.length - 1]);
      }
    }
    return null;
  }

  private shardIndexFor(author: DeviceId): number {
    let index = this.currentShard.get(author);
    if (index === undefined) {
      index = 0;
      for (const name of this.doc.share.keys()) {
        const ref = parseShardName(name);
        if (ref && ref.author === author && ref.index > index) index = ref.index;
      }
    }
    // Another tab of the same device may have opened a newer shard meanwhile.
    while (this.doc.share.has(shardName(author, index + 1))) index += 1;
    return index;
  }

  /** Every well-formed event in the doc, in no particular order. */
  readAll(): ConversationEvent[] {
    const out: ConversationEvent[] = [];
    for (const [name, type] of this.doc.share) {
      const ref = parseShardName(name);
      if (!ref) continue;
      collectItems(type._start, ref.author, out);
    }
    return out;
  }

  /**
   * Calls `listener` after every transaction that added events, with only the new ones.
   * Returns the unsubscribe function.
   */
  observe(listener: EventsListener): () => void {
    const handler = (tr: Y.Transaction): void => {
      const events: ConversationEvent[] = [];
      tr.afterState.forEach((after, client) => {
        const before = tr.beforeState.get(client) ?? 0;
        if (after > before) this.collectNew(client, before, after, events);
      });
      if (events.length > 0) listener(events, tr.origin);
    };
    this.doc.on('afterTransaction', handler);
    return () => this.doc.off('afterTransaction', handler);
  }

  private collectNew(client: number, from: number, to: number, out: ConversationEvent[]): void {
    const structs = this.doc.store.clients.get(client);
    if (!structs) return;
    for (let i = Y.findIndexSS(structs, from); i < structs.length; i++) {
      const struct = structs[i]!;
      if (struct.id.clock >= to) break;
      if (!(struct instanceof Y.Item) || struct.deleted || !(struct.content instanceof Y.ContentAny)) continue;
      const ref = this.shardOf(struct);
      if (!ref) continue;
      const start = Math.max(0, from - struct.id.clock);
      const end = Math.min(struct.length, to - struct.id.clock);
      pushValid(struct.content.arr, start, end, ref.author, out);
    }
  }

  private shardOf(item: Y.Item): ShardRef | null {
    const parent = item.parent;
    if (!(parent instanceof Y.AbstractType) || parent._item !== null) return null;
    const name = rootName(this.doc, parent);
    return name === null ? null : parseShardName(name);
  }
}

function collectItems(start: Y.Item | null, author: DeviceId, out: ConversationEvent[]): void {
  for (let item = start; item !== null; item = item.right) {
    if (item.deleted || !(item.content instanceof Y.ContentAny)) continue;
    pushValid(item.content.arr, 0, item.content.arr.length, author, out);
  }
}

/** Only well-formed events whose author owns the shard they sit in reach the timeline. */
function pushValid(values: unknown[], start: number, end: number, owner: DeviceId, out: ConversationEvent[]): void {
  for (let i = start; i < end; i++) {
    const event = parseEvent(values[i]);
    if (event && event.author === owner) out.push(event);
  }
}
