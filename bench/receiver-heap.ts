/**
 * The JS heap of a page and of its dedicated workers, sampled together, for the files
 * group's heap row (docs/architecture.md §14.5). The receiving page hands chunks to its open
 * worker, which checks, stores and opens them: a row that read the page alone would miss
 * what the worker holds.
 *
 * - The page: `performance.memory.usedJSHeapSize`, as the row always read it (it counts
 *   ArrayBuffer bytes too: 50 MB allocated in a page of the app raise it by 50 MB).
 * - Each worker: `Runtime.getHeapUsage` over CDP, `usedSize + backingStorageSize` (the V8
 *   heap and the ArrayBuffer backing stores: the same two things the page's figure counts).
 *
 * Workers are found with `Target.setAutoAttach` on the page's CDP session, which also
 * reports workers already running. Not flattened: Playwright's `CDPSession` cannot address
 * a flattened child session, so requests go through `Target.sendMessageToTarget`. The
 * service worker is not the page's child and is not counted.
 */
import type { CDPSession, Page } from 'playwright-core';

/** One sample: bytes on the page, in all its workers together, and how many workers. */
export interface HeapSample {
  readonly page: number;
  readonly workers: number;
  readonly count: number;
}

/** The highest sum seen while watching, and the highest of each part on its own. */
export interface HeapPeak {
  readonly total: number;
  readonly page: number;
  readonly workers: number;
  /** Most workers seen at once. */
  readonly count: number;
  readonly samples: number;
}

/** A worker that does not answer within this long (it was closing) counts as gone. */
const ASK_TIMEOUT_MS = 2_000;

interface HeapUsage {
  readonly usedSize: number;
  readonly backingStorageSize?: number;
}

export class ReceiverHeap {
  private readonly workers = new Set<string>();
  private readonly pending = new Map<number, { session: string; resolve: (result: unknown) => void; timer: ReturnType<typeof setTimeout> }>();
  private nextId = 0;

  private constructor(
    private readonly page: Page,
    private readonly cdp: CDPSession,
  ) {}

  /** Attaches to `page` and every dedicated worker it has or starts. */
  static async attach(page: Page): Promise<ReceiverHeap> {
    const cdp = await page.context().newCDPSession(page);
    const heap = new ReceiverHeap(page, cdp);
    cdp.on('Target.attachedToTarget', (e) => {
      if (e.targetInfo.type === 'worker') heap.workers.add(e.sessionId);
    });
    cdp.on('Target.detachedFromTarget', (e) => {
      if (!e.sessionId) return;
      heap.workers.delete(e.sessionId);
      for (const [id, ask] of heap.pending) if (ask.session === e.sessionId) heap.answer(id, null);
    });
    cdp.on('Target.receivedMessageFromTarget', (e) => {
      const message = JSON.parse(e.message) as { id?: number; result?: unknown };
      if (message.id !== undefined) heap.answer(message.id, message.result ?? null);
    });
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    return heap;
  }

  /** Collects garbage on the page and in every worker (for an idle reading). */
  async collect(): Promise<void> {
    await Promise.all([this.cdp.send('HeapProfiler.collectGarbage'), ...[...this.workers].map((s) => this.ask(s, 'HeapProfiler.collectGarbage'))]);
  }

  /** The page and its workers now. */
  async sample(): Promise<HeapSample> {
    const sessions = [...this.workers];
    const [page, ...usages] = await Promise.all([
      this.page.evaluate(() => (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize),
      ...sessions.map((s) => this.ask(s, 'Runtime.getHeapUsage') as Promise<HeapUsage | null>),
    ]);
    const answered = usages.filter((u): u is HeapUsage => u !== null);
    return { page, workers: answered.reduce((sum, u) => sum + u.usedSize + (u.backingStorageSize ?? 0), 0), count: answered.length };
  }

  /** Samples every `everyMs` (each after the last answered) until `stop`, keeping the peaks. */
  watch(everyMs: number): { stop(): Promise<HeapPeak> } {
    let peak: HeapPeak = { total: 0, page: 0, workers: 0, count: 0, samples: 0 };
    let running = true;
    const loop = (async () => {
      while (running) {
        const s = await this.sample();
        peak = {
          total: Math.max(peak.total, s.page + s.workers),
          page: Math.max(peak.page, s.page),
          workers: Math.max(peak.workers, s.workers),
          count: Math.max(peak.count, s.count),
          samples: peak.samples + 1,
        };
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
        return peak;
      },
    };
  }

  async detach(): Promise<void> {
    await this.cdp.detach().catch(() => undefined);
  }

  private ask(session: string, method: string): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.pending.set(id, { session, resolve, timer: setTimeout(() => this.answer(id, null), ASK_TIMEOUT_MS) });
      this.cdp.send('Target.sendMessageToTarget', { sessionId: session, message: JSON.stringify({ id, method }) }).catch(() => this.answer(id, null));
    });
  }

  private answer(id: number, result: unknown): void {
    const ask = this.pending.get(id);
    if (!ask) return;
    this.pending.delete(id);
    clearTimeout(ask.timer);
    ask.resolve(result);
  }
}
