/**
 * Carries one conversation's updates through its blind mailbox, for members who are not
 * online at the same time (docs/architecture.md §7). Used by pages and by the service worker.
 *
 * - `pull` fetches entries after this device's cursor, opens them, and applies each only
 *   after the same authorization as a peer update; entries that depend on something not yet
 *   applied are retried after the others, and the cursor stops before any still missing.
 * - `push` appends everything this device's doc has that its previous append did not (a
 *   state-vector diff), so entries chain per device and nothing is skipped when a write was
 *   delivered peer-to-peer first. A device's first append, and every so many entries after,
 *   is a full snapshot that lets the server drop what it covers.
 * - `trim` deletes this device's own entries that every member device has read. Appends
 *   name this device's writer id; only its writer key deletes them (docs/architecture.md §7.6).
 */
import * as Y from 'yjs';
import { randomBytes, toBase64Url, utf8 } from '../core/bytes.js';
import { padFrame, unpadFrame } from '../core/padme.js';
import { open, seal, SEALED_OVERHEAD } from '../core/sealed.js';
import { MailboxLimits, writerIdOf } from '../core/wire/mailbox.js';
import { MailboxError, type MailboxClient } from './mailbox-client.js';
import type { Verdict } from '../core/authorship/authorizer.js';

/**
 * Whether an update of what `doc` holds beyond `from` (all of it for null) surely takes more
 * than `limit` bytes, counting only its strings (keys and values: each takes at least as
 * many UTF-8 bytes as it has UTF-16 units) and stopping once past `limit`. False says only
 * "encode to know".
 */
function holdsMore(doc: Y.Doc, from: Map<number, number> | null, limit: number): boolean {
  let units = 0;
  const count = (value: unknown): void => {
    if (typeof value === 'string') units += value.length;
    else if (Array.isArray(value)) value.forEach(count);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, v] of Object.entries(value)) {
        units += key.length;
        count(v);
      }
    }
  };
  for (const [client, structs] of doc.store.clients) {
    const start = from?.get(client) ?? 0;
    for (let i = structs.length - 1; i >= 0 && units <= limit; i--) {
      const s = structs[i]!;
      if (s.id.clock + s.length <= start) break;
      if (s instanceof Y.Item && s.content instanceof Y.ContentAny) for (const value of s.content.arr.slice(Math.max(0, start - s.id.clock))) count(value);
    }
    if (units > limit) return true;
  }
  return false;
}

/**
 * What `doc` holds beyond `from` (all of it for null) as one update, or null when that takes
 * more than `limit` bytes; an update whose strings alone pass the limit is not encoded only to
 * be found too large (a 100k-message history was encoded twice on every push, 1.5 s of the
 * page's thread).
 */
function updateWithin(doc: Y.Doc, from: Map<number, number> | null, limit: number): Uint8Array | null {
  if (holdsMore(doc, from, limit)) return null;
  // Yjs encodes a Map as a state vector too; its typings only admit a Doc.
  const update = Y.encodeStateAsUpdate(doc, from === null ? undefined : Y.encodeStateVector(from as unknown as Y.Doc));
  return update.length > limit ? null : update;
}

/** Transaction origin of updates that came from the mailbox. */
export const MAILBOX_ORIGIN = Symbol('parley-mailbox');

/** Compact the mailbox with a snapshot once this many entries accumulated since the last one. */
const SNAPSHOT_EVERY = 200;
/**
 * An entry that still lacks history after this many pulls is skipped (docs/architecture.md
 * §7): the cursor moves past it so it cannot pin every member's cursor — and the mailbox's
 * trimming — forever. What it carried reaches this device peer to peer, where a gap asks
 * the sender for everything missing.
 */
const GAP_PULLS = 3;

/** Room for the IV and tag a sealed entry adds (28 bytes), with margin. */
const SEAL_OVERHEAD = 64;
/**
 * Sealed entries are at least this large: a typed message, a reaction or a read marker all
 * look the same to the server (docs/architecture.md §7.2).
 */
const MIN_ENTRY_BYTES = 1024;


export interface MailboxProgressLike {
  readonly id: string;
  readonly readSeq: number;
  readonly sentState: Uint8Array | null;
  readonly snapshotSeq: number;
  readonly stuck?: { readonly seq: number; readonly pulls: number };
  readonly writerKey?: string;
}

export interface CourierParts {
  readonly client: MailboxClient;
  /** Mailbox id (hex SHA-256 of the token). */
  readonly id: string;
  readonly token: string;
  /** AES-GCM mailbox key of the conversation. */
  readonly key: CryptoKey;
  readonly doc: Y.Doc;
  /** The conversation's update authorization: mailbox entries are as untrusted as peers. */
  readonly authorize: (update: Uint8Array) => Promise<Verdict>;
  readonly progress: {
    get(id: string): Promise<MailboxProgressLike>;
    put(progress: MailboxProgressLike): Promise<void>;
  };
  /** SHA-256 hex of this device's push endpoint, if subscribed. */
  readonly exclude?: () => string | undefined;
  /** Largest sealed entry the server takes (MailboxLimits.maxEntryBytes by default). */
  readonly maxEntryBytes?: number;
}

export interface PullResult {
  /** Entries whose updates changed the doc. */
  readonly applied: number;
  /** Entries that could not be applied yet (missing history). */
  readonly waiting: number;
  /** This device has read everything up to here. */
  readonly readSeq: number;
  /** Entries given up on this pull: they waited for missing history too long. */
  readonly skipped: number;
}

export class MailboxCourier {
  private queue: Promise<unknown> = Promise.resolve();
  /** Set by `stop`: appends nothing more. */
  private stopped = false;
  /** Entries padded to a size bucket (`core/padme.ts`); what this device writes. */
  private readonly aad: Uint8Array;
  /** Unpadded entries, as devices before padding wrote them; still read. */
  private readonly legacyAad: Uint8Array;

  constructor(private readonly parts: CourierParts) {
    this.aad = utf8(`parley-mailbox/v2\n${parts.id}`);
    this.legacyAad = utf8(`parley-mailbox/v1\n${parts.id}`);
  }

  pull(): Promise<PullResult> {
    return this.serial(() => this.pullNow());
  }

  /**
   * Deletes this device's entries that every member device has read (`upTo`, from the signed
   * read records), but never its latest snapshot or anything after it: someone who joins
   * later may have only the mailbox to start from. Other writers' entries are theirs to trim.
   */
  trim(upTo: number): Promise<void> {
    return this.serial(async () => {
      const progress = await this.parts.progress.get(this.parts.id);
      const limit = Math.min(upTo, progress.snapshotSeq - 1);
      if (limit > 0 && progress.writerKey) await this.parts.client.remove(this.parts.id, this.parts.token, limit, progress.writerKey);
    });
  }

  /** Appends what is new since this device's last append; resolves with the state sent, or null if nothing was new. */
  push(): Promise<Map<number, number> | null> {
    return this.serial(() => this.pushNow());
  }

  /**
   * Appends nothing from now on, not even a push already queued: this device left the
   * mailbox's epoch, and what it writes from here must not reach the readers of this one
   * (docs/architecture.md §7.2, "Moving to a new epoch's mailbox"). Reads go on.
   */
  stop(): void {
    this.stopped = true;
  }

  private async pullNow(): Promise<PullResult> {
    const { client, id, token, key } = this.parts;
    const progress = await this.parts.progress.get(id);
    const fetched: Array<{ seq: number; update: Uint8Array }> = [];
    let after = progress.readSeq;
    for (;;) {
      const page = await client.list(id, token, after);
      for (const entry of page.entries) {
        after = Math.max(after, entry.seq);
        const update = await this.openEntry(key, entry.data);
        // null: sealed under another key, tampered with or badly framed; skipped for good.
        if (update) fetched.push({ seq: entry.seq, update });
      }
      if (!page.more || page.entries.length === 0) break;
    }
    let pending = fetched;
    let applied = 0;
    for (let progressMade = true; progressMade && pending.length > 0; ) {
      progressMade = false;
      const stillWaiting: typeof pending = [];
      for (const entry of pending) {
        const verdict = await this.parts.authorize(entry.update);
        if (verdict.ok) {
          if (!verdict.empty) {
            Y.applyUpdate(this.parts.doc, entry.update, MAILBOX_ORIGIN);
            applied++;
          }
          progressMade = true;
        } else if (verdict.reason === 'gap') {
          stillWaiting.push(entry);
        }
        // forbidden or malformed: dropped; the mailbox is as hostile as any peer.
      }
      pending = stillWaiting;
    }
    const firstWaiting = pending.reduce((min, e) => Math.min(min, e.seq), Infinity);
    // The same first entry waiting pull after pull is a gap nobody will fill here: skip.
    const pulls = firstWaiting !== Infinity && progress.stuck?.seq === firstWaiting ? progress.stuck.pulls + 1 : 1;
    const giveUp = firstWaiting !== Infinity && pulls >= GAP_PULLS;
    const readSeq = firstWaiting === Infinity || giveUp ? after : firstWaiting - 1;
    const newReadSeq = Math.max(progress.readSeq, readSeq);
    const { stuck: _previous, ...rest } = await this.parts.progress.get(id);
    await this.parts.progress.put({ ...rest, readSeq: newReadSeq, ...(firstWaiting !== Infinity && !giveUp ? { stuck: { seq: firstWaiting, pulls } } : {}) });
    return { applied, waiting: giveUp ? 0 : pending.length, readSeq: newReadSeq, skipped: giveUp ? pending.length : 0 };
  }

  private async pushNow(): Promise<Map<number, number> | null> {
    const { client, id, token, key, doc } = this.parts;
    const progress = await this.writerProgress();
    // Checked after the last await before the document is read: a write made after `stop`
    // is never encoded here.
    if (this.stopped) return null;
    const state = Y.encodeStateVector(doc);
    const current = Y.decodeStateVector(state);
    const sent = progress.sentState ? Y.decodeStateVector(progress.sentState) : null;
    if (sent && ![...current].some(([client, clock]) => clock > (sent.get(client) ?? 0))) return null;
    let snapshot = sent === null || progress.readSeq - progress.snapshotSeq > SNAPSHOT_EVERY;
    const maxEntry = this.parts.maxEntryBytes ?? MailboxLimits.maxEntryBytes;
    // Room for the IV, tag and padding frame; padding never pushes an entry past the limit.
    const maxPlain = maxEntry - SEAL_OVERHEAD;
    // An update whose strings alone pass the limit is not encoded only to be found too large:
    // a 100k-message history was encoded twice on every push, 1.5 s of the page's thread.
    let update = updateWithin(doc, snapshot ? null : sent, maxPlain);
    if (update === null) {
      // Too large for one entry (a long history): send this session's own writes instead.
      // Readers lacking the history before them get it peer-to-peer; nothing is re-encoded
      // in vain on every later push, since the state is recorded as sent below.
      snapshot = false;
      const others = new Map(current);
      others.delete(doc.clientID);
      update = updateWithin(doc, others, maxPlain);
      if (update === null) throw new MailboxError('this device wrote more than a mailbox entry holds', 413);
    }
    const sealed = await seal(key, padFrame(update, { min: MIN_ENTRY_BYTES, max: maxEntry, overhead: SEALED_OVERHEAD }), this.aad);
    const exclude = this.parts.exclude?.();
    // A snapshot covers what this device has read; entries past that are not in it.
    const seq = await client.append(id, token, sealed, {
      ...(snapshot && progress.readSeq > 0 ? { snapshotOf: progress.readSeq } : {}),
      ...(exclude ? { exclude } : {}),
      writer: writerIdOf(progress.writerKey)!,
    });
    const latest = await this.parts.progress.get(id);
    await this.parts.progress.put({
      ...latest,
      sentState: state,
      // Our own entry needs no reading back, unless others wrote in between.
      readSeq: latest.readSeq === seq - 1 ? seq : latest.readSeq,
      snapshotSeq: snapshot ? seq : latest.snapshotSeq,
    });
    return current;
  }

  /** The Yjs update in a sealed entry, padded (v2) or from before padding (v1); null if neither opens. */
  private async openEntry(key: CryptoKey, data: Uint8Array): Promise<Uint8Array | null> {
    try {
      return unpadFrame(await open(key, data, this.aad));
    } catch {
      // Not a padded entry (or a broken one): it may be one written before padding.
    }
    try {
      return await open(key, data, this.legacyAad);
    } catch {
      return null;
    }
  }

  /** The progress, with this device's writer key made and stored at its first append. */
  private async writerProgress(): Promise<MailboxProgressLike & { readonly writerKey: string }> {
    const progress = await this.parts.progress.get(this.parts.id);
    if (progress.writerKey && writerIdOf(progress.writerKey)) return { ...progress, writerKey: progress.writerKey };
    const made = { ...progress, writerKey: toBase64Url(randomBytes(32)) };
    await this.parts.progress.put(made);
    return made;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
