/**
 * MailboxSync decides *when* a conversation's mailbox is pulled and pushed
 * (docs/architecture.md §7.2); the courier that does the I/O is faked here, so each rule is
 * checked on its own with fake timers: the acknowledgement grace after a local write, the
 * periodic pull, notices coalescing into one more pull, transient failures retried with
 * backoff and refusals reported, and destroy() releasing every timer and listener.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { LOCAL_ORIGIN } from '../../../src/core/synced-doc.js';
import { MailboxSync, type MailboxSyncParts } from '../../../src/client/mailbox-sync.js';
import { MailboxError } from '../../../src/net/mailbox-client.js';
import type { PullResult } from '../../../src/net/mailbox-courier.js';

class FakeCourier {
  pulls = 0;
  pushes = 0;
  trims: number[] = [];
  /** What the next pulls return, or throw. */
  pullResults: Array<PullResult | Error> = [];
  /** What the next pushes return, or throw. */
  pushResults: Array<Map<number, number> | null | Error> = [];
  /** When set, a pull waits for this before it resolves. */
  gate: Promise<void> | null = null;

  async pull(): Promise<PullResult> {
    this.pulls++;
    if (this.gate) await this.gate;
    const next = this.pullResults.shift() ?? { applied: 0, waiting: 0, readSeq: 0, skipped: 0 };
    if (next instanceof Error) throw next;
    return next;
  }

  async push(): Promise<Map<number, number> | null> {
    this.pushes++;
    const next = this.pushResults.shift() ?? null;
    if (next instanceof Error) throw next;
    return next;
  }

  async trim(upTo: number): Promise<void> {
    this.trims.push(upTo);
  }
}

function setUp(overrides: Partial<MailboxSyncParts> = {}) {
  const courier = new FakeCourier();
  const doc = new Y.Doc();
  const seen = { delivered: [] as Array<Map<number, number>>, read: [] as number[], offline: 0, errors: [] as Error[] };
  let undelivered = true;
  const sync = new MailboxSync({
    courier,
    doc,
    undelivered: () => undelivered,
    onDelivered: (state) => seen.delivered.push(state),
    onRead: (readSeq) => seen.read.push(readSeq),
    onOffline: () => seen.offline++,
    onError: (error) => seen.errors.push(error),
    ...overrides,
  });
  sync.start();
  const write = (origin: unknown = LOCAL_ORIGIN) => doc.transact(() => doc.getArray('x').push([1]), origin);
  return { courier, doc, seen, sync, write, setUndelivered: (v: boolean) => (undelivered = v) };
}

const pulled = (readSeq: number, applied = 1): PullResult => ({ applied, waiting: 0, readSeq, skipped: 0 });

describe('MailboxSync', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('pushes a local write only after the grace period, and only while some member lacks it', async () => {
    const { courier, sync, write, setUndelivered, seen } = setUp();
    const state = new Map([[1, 3]]);
    courier.pushResults.push(state);
    write();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(courier.pushes).toBe(0);
    // Writes inside the grace period restart it: one push for a burst of writes.
    write();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(courier.pushes).toBe(0);
    await vi.advanceTimersByTimeAsync(600);
    expect(courier.pushes).toBe(1);
    expect(seen.delivered).toEqual([state]);
    // Every member acknowledged over a data channel: nothing goes to the mailbox.
    setUndelivered(false);
    write();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(courier.pushes).toBe(1);
    sync.destroy();
  });

  it('does not push for updates that came from peers or the mailbox', async () => {
    const { courier, sync, write } = setUp();
    write('remote');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(courier.pushes).toBe(0);
    sync.destroy();
  });

  it('sync() pulls, reports the cursor, then pushes even when every member is connected', async () => {
    const { courier, sync, setUndelivered, seen } = setUp();
    setUndelivered(false);
    courier.pullResults.push(pulled(7));
    courier.pushResults.push(new Map([[1, 1]]));
    await sync.sync();
    expect([courier.pulls, courier.pushes]).toEqual([1, 1]);
    expect(seen.read).toEqual([7]);
    expect(seen.delivered).toHaveLength(1);
    sync.destroy();
  });

  it('pulls every minute while it runs', async () => {
    const { courier, sync } = setUp();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(courier.pulls).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(courier.pulls).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(courier.pulls).toBe(2);
    sync.destroy();
  });

  it('pulls on a notice beyond its cursor only, and coalesces notices during a pull into one more', async () => {
    const { courier, sync } = setUp();
    courier.pullResults.push(pulled(5));
    await sync.pull();
    expect(courier.pulls).toBe(1);
    sync.noticed(4);
    sync.noticed(5);
    await vi.advanceTimersByTimeAsync(0);
    expect(courier.pulls).toBe(1);
    let open!: () => void;
    courier.gate = new Promise((resolve) => (open = resolve));
    courier.pullResults.push(pulled(6), pulled(9));
    sync.noticed(6);
    sync.noticed(8);
    sync.noticed(9);
    expect(courier.pulls).toBe(2);
    courier.gate = null;
    open();
    await vi.advanceTimersByTimeAsync(0);
    // The first pull read up to 6; 9 was announced meanwhile: exactly one more pull.
    expect(courier.pulls).toBe(3);
    await vi.advanceTimersByTimeAsync(0);
    expect(courier.pulls).toBe(3);
    sync.destroy();
  });

  it('treats offline and server errors as transient: reports offline and retries with backoff until it goes out', async () => {
    const { courier, sync, seen } = setUp();
    courier.pushResults.push(new MailboxError('offline', 0), new MailboxError('busy', 503), new Map([[1, 2]]));
    expect(await sync.push(true)).toBe(false);
    expect(seen.offline).toBe(1);
    // First retry within 1–2 s (equal jitter on a 2 s ceiling); the next comes at least 2 s after it.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(courier.pushes).toBe(2);
    expect(seen.offline).toBe(2);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(courier.pushes).toBe(3);
    expect(seen.delivered).toHaveLength(1);
    expect(seen.errors).toEqual([]);
    sync.destroy();
  });

  it('a rate limit that names when to come back (429, Retry-After) waits that long, then delivers; no error is reported', async () => {
    const { courier, sync, seen } = setUp();
    courier.pushResults.push(new MailboxError('too many new mailboxes from this address', 429, undefined, 30), new Map([[1, 2]]));
    expect(await sync.push(true)).toBe(false);
    expect(seen.offline).toBe(1);
    // The backoff alone would retry within 2 s: the server asked for 30.
    await vi.advanceTimersByTimeAsync(29_000);
    expect(courier.pushes).toBe(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(courier.pushes).toBe(2);
    expect(seen.delivered).toEqual([new Map([[1, 2]])]);
    expect(seen.errors).toEqual([]);
    sync.destroy();
  });

  it('reports a refusal as an error and does not retry it', async () => {
    const { courier, sync, seen } = setUp();
    const refused = new MailboxError('forbidden', 403);
    courier.pushResults.push(refused);
    expect(await sync.push(true)).toBe(false);
    expect(seen.errors).toEqual([refused]);
    expect(seen.offline).toBe(0);
    expect(vi.getTimerCount()).toBe(1); // only the periodic pull
    await vi.advanceTimersByTimeAsync(30_000);
    expect(courier.pushes).toBe(1);
    sync.destroy();
  });

  it('the network coming back delivers at once, without waiting for the backoff', async () => {
    const { courier, sync } = setUp();
    courier.pushResults.push(new MailboxError('offline', 0));
    await sync.push(true);
    sync.online();
    await vi.advanceTimersByTimeAsync(0);
    expect([courier.pulls, courier.pushes]).toEqual([1, 2]);
    sync.destroy();
  });

  it('the constructor only wires: nothing runs until start(), and a second start() adds nothing', async () => {
    const courier = new FakeCourier();
    const doc = new Y.Doc();
    const sync = new MailboxSync({ courier, doc, undelivered: () => true, onDelivered: () => undefined, onRead: () => undefined, onOffline: () => undefined, onError: () => undefined });
    doc.transact(() => doc.getArray('x').push([1]), LOCAL_ORIGIN);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect([courier.pulls, courier.pushes]).toEqual([0, 0]);
    sync.start();
    sync.start();
    expect(vi.getTimerCount()).toBe(1); // one periodic pull
    doc.transact(() => doc.getArray('x').push([2]), LOCAL_ORIGIN);
    expect(vi.getTimerCount()).toBe(2); // and the grace timer of the write
    sync.destroy();
    expect(vi.getTimerCount()).toBe(0);
    // Destroyed stays destroyed: a late start() starts nothing.
    sync.start();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('destroy() releases every timer and the document listener', async () => {
    const { courier, sync, write } = setUp();
    // One of each timer: the periodic pull, a pending push after a write, a retry.
    courier.pushResults.push(new MailboxError('offline', 0));
    await sync.push(true);
    write();
    expect(vi.getTimerCount()).toBe(3);
    sync.destroy();
    expect(vi.getTimerCount()).toBe(0);
    // A write after destroy schedules nothing, and nothing runs later.
    write();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect([courier.pulls, courier.pushes]).toEqual([0, 1]);
    expect(await sync.pull()).toBe(0);
    expect(courier.pulls).toBe(0);
  });
});
