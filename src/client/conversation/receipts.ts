/**
 * Delivery and read receipts (docs/architecture.md §7.5). Each member device keeps one
 * signed record in the conversation's `reads` map (its own key), which also carries its
 * mailbox read cursor: `got`, the newest time of others' messages it holds, and `upTo`,
 * how far the user read — the latter only while the user shares read receipts. The
 * records travel like any other write, end-to-end encrypted over data channels and through
 * the blind mailbox; the server learns nothing from them.
 *
 * Records are never garbage-collected (signatures cover their placement), so a device
 * rewrites its record at most every 30 s: at once when something changes after a quiet
 * spell, then once more at the end of the spell. Delivered does not wait for that while
 * devices are linked: a live link's ack (a state vector) from another member's device
 * counts at once (`acked`).
 */
import type { DeviceId } from '../../core/ids.js';
import type { IdentityId } from '../../core/identity/keys.js';
import type { SignedRecord } from '../../core/identity/signed.js';
import { Disposables } from '../../core/lifecycle.js';
import { LOCAL_ORIGIN, type SyncedDoc } from '../../core/synced-doc.js';
import type { Timeline, TimelineEntry } from '../../core/timeline.js';

export const RECEIPT_EVERY_MS = 30_000;

/** A member device's record in `reads`; every field but the type is optional. */
export interface ReadRecord extends SignedRecord {
  readonly type: 'read';
  /** How far it has read the mailbox (mailbox-binding.ts). */
  readonly mailboxSeq?: number;
  /** Newest time of others' messages it holds. */
  readonly got?: number;
  /** How far its user read, when they share read receipts. */
  readonly upTo?: number;
}

interface OtherRecord {
  readonly identity: IdentityId;
  readonly device: DeviceId;
  readonly upTo: number;
  readonly got: number;
  readonly at: number;
}

type ReadFields = Pick<ReadRecord, 'mailboxSeq' | 'got' | 'upTo'>;

const writing = new WeakMap<SyncedDoc, Promise<unknown>>();
const count = (x: unknown): number | undefined => (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 ? x : undefined);

/**
 * Rewrites this device's `reads` record with `change` applied, keeping the fields other
 * writers set. Writes are queued per document, so two writers never drop each other's field.
 */
export function updateReadRecord(synced: SyncedDoc, device: DeviceId, change: (current: ReadFields) => ReadFields | null, now: () => number, origin: unknown): Promise<void> {
  const run = async (): Promise<void> => {
    // Receipts are written unasked: none while this device’s certificate has lapsed
    // (docs/architecture.md §4.8).
    if (!synced.mayWrite(now())) return;
    const current = synced.doc.getMap<ReadRecord>('reads').get(device);
    const fields: ReadFields = { mailboxSeq: count(current?.mailboxSeq), got: count(current?.got), upTo: count(current?.upTo) };
    const next = change(fields);
    if (!next) return;
    const body = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined));
    await synced.writer.setRecord('reads', device, { type: 'read', by: device, at: now(), ...body }, origin);
  };
  const done = (writing.get(synced) ?? Promise.resolve()).then(run, run);
  writing.set(synced, done.catch(() => undefined));
  return done;
}

/** Who has a message, as far as their devices' receipts say. */
export interface MessageReceipts {
  /** A device of another member holds it. */
  readonly delivered: boolean;
  /** Members who read it (each once), with when their device last said so. */
  readonly readBy: ReadonlyArray<{ readonly identity: IdentityId; readonly device: DeviceId; readonly at: number }>;
}

export interface ReceiptParts {
  readonly synced: SyncedDoc;
  readonly device: DeviceId;
  readonly me: IdentityId;
  readonly timeline: () => Timeline;
  readonly isMine: (device: DeviceId) => boolean;
  readonly identityOf: (device: DeviceId) => IdentityId | null;
  /** The user shares read receipts (and sees others'). */
  readonly sharesReads: () => boolean;
  readonly now: () => number;
  readonly changed: () => void;
  readonly failed: (error: Error) => void;
  readonly everyMs?: number;
}

export class Receipts {
  /**
   * Per author (this user's devices): the newest of their messages a device of another
   * member acknowledged over a live link. Records are rewritten at most every 30 s; a live
   * ack says the same thing at once (in memory only; records take over after a reload).
   */
  private readonly live = new Map<DeviceId, number>();
  private lastWrite = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private reading = false;
  private pass: readonly OtherRecord[] | null = null;
  private readonly disposables = new Disposables();

  constructor(private readonly parts: ReceiptParts) {
    const reads = parts.synced.doc.getMap('reads');
    const observer = (): void => {
      this.pass = null;
      parts.changed();
    };
    reads.observe(observer);
    this.disposables.add(() => reads.unobserve(observer));
    this.disposables.add(() => this.timer && clearTimeout(this.timer));
  }

  /** Something from others arrived (`reading`: while the user looks at the conversation). */
  note(reading: boolean): void {
    this.reading ||= reading;
    if (this.timer) return;
    const wait = this.lastWrite + (this.parts.everyMs ?? RECEIPT_EVERY_MS) - this.parts.now();
    if (wait <= 0) return this.write();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.write();
    }, wait);
  }

  /** A device acknowledged `stateVector` over a live link: it holds what that covers. */
  acked(device: DeviceId, stateVector: ReadonlyMap<number, number>): void {
    const identity = this.parts.identityOf(device);
    if (!identity || identity === this.parts.me) return;
    let more = false;
    for (const [author, at] of this.parts.timeline().coveredBy(stateVector, this.parts.isMine)) {
      if (at <= (this.live.get(author) ?? 0)) continue;
      this.live.set(author, at);
      more = true;
    }
    if (more) this.parts.changed();
  }

  /** What receipts say about one of the user's messages. */
  of(entry: TimelineEntry): MessageReceipts {
    const readBy = new Map<IdentityId, { identity: IdentityId; device: DeviceId; at: number }>();
    let delivered = entry.sortAt <= (this.live.get(entry.author) ?? 0);
    const sharing = this.parts.sharesReads();
    for (const { identity, device, upTo, got, at } of this.others()) {
      if (upTo >= entry.sortAt || got >= entry.sortAt) delivered = true;
      const seen = readBy.get(identity);
      if (sharing && upTo >= entry.sortAt && (!seen || seen.at > at)) readBy.set(identity, { identity, device, at });
    }
    return { delivered, readBy: [...readBy.values()] };
  }

  /**
   * Other members' records, checked once per render rather than once per message: a view
   * asks `of` for every own message in one synchronous pass, so the list is kept until the
   * pass ends (the next microtask), when the directory or `reads` may have changed.
   */
  private others(): readonly OtherRecord[] {
    if (this.pass) return this.pass;
    const list: OtherRecord[] = [];
    for (const [device, record] of this.parts.synced.doc.getMap<ReadRecord>('reads')) {
      const identity = this.parts.identityOf(device as DeviceId);
      if (!identity || identity === this.parts.me || record?.type !== 'read') continue;
      list.push({ identity, device: device as DeviceId, upTo: count(record.upTo) ?? 0, got: count(record.got) ?? 0, at: record.at });
    }
    this.pass = list;
    queueMicrotask(() => (this.pass = null));
    return list;
  }

  destroy(): void {
    this.disposables.dispose();
  }

  private write(): void {
    const reading = this.reading;
    this.reading = false;
    const got = this.newestFromOthers();
    const upTo = reading && this.parts.sharesReads() ? got : undefined;
    this.lastWrite = this.parts.now();
    updateReadRecord(
      this.parts.synced,
      this.parts.device,
      (current) => {
        const moreGot = got > (current.got ?? 0);
        const moreRead = upTo !== undefined && upTo > (current.upTo ?? 0);
        if (!moreGot && !moreRead) return null;
        return { ...current, ...(moreGot ? { got } : {}), ...(moreRead ? { upTo } : {}) };
      },
      this.parts.now,
      LOCAL_ORIGIN,
    ).catch((error: unknown) => this.parts.failed(error as Error));
  }

  /** The newest time of a message from someone else (future-dated ones excluded). */
  private newestFromOthers(): number {
    const entries = this.parts.timeline().entries;
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      if (e.flag !== 'future' && !this.parts.isMine(e.author)) return e.sortAt;
    }
    return 0;
  }
}
