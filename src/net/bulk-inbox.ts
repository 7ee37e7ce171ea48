/**
 * Where a receiving page's file frames wait to be handled (docs/architecture.md §5.5).
 *
 * One data channel carries a link's frames in order, so a text arrives behind every file
 * chunk already on its way: while a file comes in, the page runs a message task per chunk,
 * and each chunk's handling (decoding, the hash check, the hand-off to storage) sets off
 * more tasks. Measured during a 100 MiB transfer, 0.3–4 MiB of chunks were still ahead of a
 * text when it left the sender, and the text waited for all of their work. Here the message
 * task only queues a file frame; the frames are handled in background-priority tasks
 * (`scheduler.postTask`), which the browser runs only when no ordinary task is waiting. A
 * sync frame behind them therefore waits only for the cheap message tasks, not for the file
 * work. File frames keep their order among themselves.
 */
import { SENDER_BYTE_BUDGET } from '../core/files/file-ref.js';

/** Runs `task` later, at a priority below ordinary tasks where the platform has one. */
export type Later = (task: () => void) => void;

interface PostTaskScheduler {
  postTask(callback: () => void, options: { priority: 'background' }): Promise<unknown>;
}

/**
 * `scheduler.postTask` at background priority. Where there is none (Node, Safari) the frame
 * is handled at once, as before: a timer instead would gain nothing over the message task
 * and is throttled to once a second in a hidden tab.
 */
export const backgroundTask: Later = (task) => {
  const scheduler = (globalThis as { scheduler?: PostTaskScheduler }).scheduler;
  if (scheduler?.postTask) void scheduler.postTask(task, { priority: 'background' });
  else task();
};

/** How long one background task handles queued frames before it yields to waiting tasks. */
const SLICE_MS = 4;


/** What a queued frame costs, and whom: `overflow` runs once when that sender has too much waiting. */
export interface InboxCost {
  readonly from: object;
  readonly bytes: number;
  readonly overflow: () => void;
}

interface Entry {
  readonly handle: () => void;
  readonly cost: InboxCost | undefined;
}

export class BulkInbox {
  private queue: Entry[] = [];
  private readonly waiting = new Map<object, number>();
  private readonly overflowed = new WeakSet<object>();
  private head = 0;
  private scheduled = false;
  private closed = false;

  /**
   * @param failed hears a handler that threw; the next frames are still handled.
   * @param later schedules the draining task (tests pass their own).
   */
  constructor(
    private readonly failed: (error: unknown) => void,
    private readonly later: Later = backgroundTask,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Frames waiting. */
  get size(): number {
    return this.queue.length - this.head;
  }

  /** Bytes of `from`'s frames waiting. */
  waitingFrom(from: object): number {
    return this.waiting.get(from) ?? 0;
  }

  /**
   * Queues a frame's handler; it runs after every handler queued before it. With a `cost`,
   * a sender past SENDER_BYTE_BUDGET is told once (`overflow`) and its frame is not queued.
   */
  push(handle: () => void, cost?: InboxCost): void {
    if (this.closed) return;
    if (cost) {
      if (this.overflowed.has(cost.from)) return;
      const waiting = (this.waiting.get(cost.from) ?? 0) + cost.bytes;
      if (waiting > SENDER_BYTE_BUDGET) {
        this.overflowed.add(cost.from);
        this.waiting.delete(cost.from);
        cost.overflow();
        return;
      }
      this.waiting.set(cost.from, waiting);
    }
    this.queue.push({ handle, cost });
    this.schedule();
  }

  /** Drops whatever waits; nothing queued later runs. */
  close(): void {
    this.closed = true;
    this.queue = [];
    this.waiting.clear();
    this.head = 0;
  }

  private release(cost: InboxCost): void {
    const left = (this.waiting.get(cost.from) ?? 0) - cost.bytes;
    if (left > 0) this.waiting.set(cost.from, left);
    else this.waiting.delete(cost.from);
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    this.later(this.drain);
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    const end = this.now() + SLICE_MS;
    // At least one per task, so a slow clock or a slow handler never stalls the queue.
    do {
      if (this.head >= this.queue.length) break;
      const { handle, cost } = this.queue[this.head]!;
      this.queue[this.head++] = done;
      if (cost) this.release(cost);
      if (cost && this.overflowed.has(cost.from)) continue;
      try {
        handle();
      } catch (error) {
        this.failed(error);
      }
    } while (this.now() < end && !this.closed);
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.size > 0) this.schedule();
  };
}

const done: Entry = { handle: () => undefined, cost: undefined };
