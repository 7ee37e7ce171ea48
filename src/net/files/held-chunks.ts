/**
 * What a fetch holds of its file (docs/architecture.md §14.2, "Memory"): the chunks stored,
 * and checked chunks on their way to storage. A checked chunk waits until a batch is worth a
 * write (`flushEvery` chunks, `FLUSH_MS` after the first one, or the file's last chunk), and
 * batches are written one at a time through the fetch's sink: one write per chunk had cost
 * the page a transaction each (§14.3). How many may wait is the fetch's to decide (it stops
 * asking at its memory cap); this only refuses past `capacity`, late answers it would hold
 * beyond what was asked.
 */

/** Where checked pieces go (the client's chunk store). */
export interface FetchSink {
  saveHashes(hashes: Uint8Array): Promise<void>;
  saveChunks(chunks: ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array }>): Promise<void>;
  /**
   * A way for checked chunks to be stored without passing through here (docs/architecture.md
   * §14.2, "Worker to worker"): the fetch hands `port` to the bulk worker, which sends the
   * chunks it checked straight to the opening worker; the fetch hears only their indices, then
   * what was stored. Absent where there is no opening worker (Node, no key).
   */
  readonly direct?: DirectSink;
}

/** News from the worker that stores chunks sent to it by the bulk worker. */
export interface DirectEvents {
  /** These chunks are stored. */
  stored(indices: readonly number[]): void;
  /** Storing them failed: the fetch fails, as a failed write does. */
  failed(error: Error): void;
  /** The worker ended: chunks sent to it and not stored are lost (asked again). */
  lost(): void;
}

export interface DirectSink {
  /** The port for the bulk worker: transferable once (null after). */
  take(): MessagePort | null;
  listen(events: DirectEvents): void;
}

/**
 * Checked chunks are stored in batches of this much (the fetch's `flushEvery`), and a lone one
 * waits this long for others before it is written anyway. The opening worker gathers what the
 * bulk worker sends it by the same rule (open-worker.ts).
 */
export const FLUSH_BYTES = 1024 * 1024;
export const FLUSH_MS = 50;

export interface HeldChunksParts {
  /** Chunks stored before this fetch began. */
  readonly have: Iterable<number>;
  /** Chunks in the file. */
  readonly count: number;
  /** Chunks per write. */
  readonly flushEvery: number;
  /** Most chunks that may wait for their write. */
  readonly capacity: number;
  readonly sink: FetchSink;
  /** A timer the fetch owns (cleared when it ends). */
  readonly timeout: (run: () => void, ms: number) => void;
  /** Whether writes are still wanted (the fetch is still taking chunks). */
  readonly writing: () => boolean;
  /** A batch was stored. */
  readonly written: () => void;
  readonly failed: (error: unknown) => void;
}

export class HeldChunks {
  private readonly stored: Set<number>;
  private readonly waiting = new Map<number, Uint8Array>();
  /** Checked chunks being stored by the opening worker (their bytes went there, not here). */
  private readonly elsewhere = new Set<number>();
  /** Stored by the opening worker before this page heard they were checked (two workers' messages). */
  private readonly storedAhead = new Set<number>();
  private running = false;
  private again = false;
  private timer = false;

  constructor(private readonly parts: HeldChunksParts) {
    this.stored = new Set(parts.have);
  }

  /** Stored, or checked and on its way to storage. */
  holds(index: number): boolean {
    return this.stored.has(index) || this.waiting.has(index) || this.elsewhere.has(index);
  }

  /** Chunks waiting for their write, here or in the opening worker. */
  get pending(): number {
    return this.waiting.size + this.elsewhere.size;
  }

  get full(): boolean {
    return this.pending >= this.parts.capacity;
  }

  /** Every chunk of the file is stored. */
  get complete(): boolean {
    return this.stored.size >= this.parts.count;
  }

  /** Takes a checked chunk (a buffer of its own) to be stored; false when it is held already or there is no room. */
  take(index: number, bytes: Uint8Array): boolean {
    if (this.holds(index) || this.full) return false;
    this.waiting.set(index, bytes);
    // The last chunk in: store now rather than after FLUSH_MS, the file is done once stored
    // (counting those the opening worker is storing: the last may come in-band after them).
    if (this.waiting.size >= this.parts.flushEvery || this.stored.size + this.pending >= this.parts.count) void this.flush();
    else if (!this.timer) {
      this.timer = true;
      this.parts.timeout(() => {
        this.timer = false;
        void this.flush();
      }, FLUSH_MS);
    }
    return true;
  }

  /** Takes a checked chunk whose bytes went to the opening worker (`FetchSink.direct`); false as `take`. */
  takeElsewhere(index: number): boolean {
    if (this.holds(index) || this.full) return false;
    if (this.storedAhead.delete(index)) {
      this.stored.add(index);
      if (this.complete) queueMicrotask(() => this.parts.written());
    } else this.elsewhere.add(index);
    return true;
  }

  /** The opening worker stored these chunks. */
  storedElsewhere(indices: readonly number[]): void {
    for (const index of indices) {
      if (this.elsewhere.delete(index)) this.stored.add(index);
      else if (!this.stored.has(index)) this.storedAhead.add(index);
    }
    this.parts.written();
  }

  /** The opening worker ended: what it had not stored is not held any more (asked again); returns those chunks. */
  lostElsewhere(): number[] {
    const lost = [...this.elsewhere];
    this.elsewhere.clear();
    this.storedAhead.clear();
    return lost;
  }

  /** Writes what waits, in batches, one write at a time. */
  async flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        if (this.waiting.size === 0 || !this.parts.writing()) break;
        const batch = [...this.waiting].map(([index, bytes]) => ({ index, bytes }));
        await this.parts.sink.saveChunks(batch);
        for (const { index } of batch) {
          this.waiting.delete(index);
          this.stored.add(index);
        }
      } while (this.again || this.waiting.size >= this.parts.flushEvery);
    } catch (error) {
      return this.parts.failed(error);
    } finally {
      this.running = false;
    }
    this.parts.written();
  }
}
