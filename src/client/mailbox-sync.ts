/**
 * Keeps one conversation's mailbox in step with its document (docs/architecture.md §7):
 * - pulls on open, when the network comes back, on a push wake-up, and every minute while
 *   the app runs;
 * - pushes this device's new writes unless every member device acknowledged them over a
 *   data channel within a short grace period (or when nobody else has joined yet: a later
 *   joiner may find only the mailbox), and reports the state it delivered so outbox
 *   entries can be retired.
 * Failures never throw out: offline is normal, and the caller is told so it can ask the
 * service worker for a Background Sync.
 */
import type * as Y from 'yjs';
import { Disposables } from '../core/lifecycle.js';
import { LOCAL_ORIGIN } from '../core/synced-doc.js';
import type { MailboxCourier } from '../net/mailbox-courier.js';
import { Backoff } from '../net/backoff.js';
import { MailboxError } from '../net/mailbox-client.js';

/**
 * After a local write, how long to wait for every member device to acknowledge it over a
 * data channel before carrying it through the mailbox instead. A peer that vanished an
 * instant before the write never acknowledges, so the write still reaches it later.
 */
const ACK_GRACE_MS = 1_500;
const PULL_EVERY_MS = 60_000;
/**
 * A server's `Retry-After` is honoured up to this long: a rate limit (new mailboxes per
 * address, appends) names when a token is back, and retrying sooner only spends another
 * refused request. Beyond it the backoff's own schedule applies; a local write, a notice
 * or the network coming back still tries at once.
 */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

export interface MailboxSyncParts {
  /** The part of the courier this scheduler drives (its seam: a fake in unit tests). */
  readonly courier: Pick<MailboxCourier, 'pull' | 'push' | 'trim'>;
  readonly doc: Y.Doc;
  /** True while some member device has not acknowledged this device's writes. */
  readonly undelivered: () => boolean;
  /** Delivered: the mailbox holds everything up to this state. */
  readonly onDelivered: (state: Map<number, number>) => void;
  /** After each pull: how far this device has read the mailbox. */
  readonly onRead: (readSeq: number) => void;
  /** The mailbox is unreachable; new writes wait for the network. */
  readonly onOffline: () => void;
  readonly onError: (error: Error) => void;
}

export class MailboxSync {
  /** Cancels the pending push after a local write, or the pending retry. */
  private cancelPush: (() => void) | null = null;
  private cancelRetry: (() => void) | null = null;
  private readonly retry = new Backoff({ baseMs: 2_000, maxMs: 60_000 });
  /** The update listener, the minute pulls and the pending timers. */
  private readonly disposables = new Disposables();
  private started = false;
  /** How far this device has read the mailbox (the cursor after the last pull). */
  private readSeq = 0;
  /** The newest entry a notice announced, and the pull it started. */
  private noticedSeq = 0;
  private noticePull: Promise<number> | null = null;

  constructor(private readonly parts: MailboxSyncParts) {}

  /** Watches local writes and pulls every minute, until `destroy()`. Idempotent. */
  start(): void {
    if (this.started || this.destroyed) return;
    this.started = true;
    this.parts.doc.on('update', this.onUpdate);
    this.disposables.add(() => this.parts.doc.off('update', this.onUpdate));
    this.disposables.interval(() => void this.pull(), PULL_EVERY_MS);
  }

  private get destroyed(): boolean {
    return this.disposables.isDisposed;
  }

  /** Pull, then push anything not yet delivered. */
  async sync(): Promise<void> {
    await this.pull();
    await this.push(true);
  }

  async pull(): Promise<number> {
    if (this.destroyed) return 0;
    try {
      const result = await this.parts.courier.pull();
      this.readSeq = Math.max(this.readSeq, result.readSeq);
      this.parts.onRead(result.readSeq);
      return result.applied;
    } catch (error) {
      this.fail(error);
      return 0;
    }
  }

  /**
   * The server says entry `seq` was appended: pull now if it is beyond the cursor. Notices
   * during a pull coalesce into one more pull after it.
   */
  noticed(seq: number): void {
    this.noticedSeq = Math.max(this.noticedSeq, seq);
    if (this.noticedSeq <= this.readSeq || this.noticePull || this.destroyed) return;
    this.noticePull = this.pull().finally(() => {
      this.noticePull = null;
      if (this.noticedSeq > this.readSeq) this.noticed(this.noticedSeq);
    });
  }

  /** Deletes what every member device has read; failures wait for the next round. */
  async trim(upTo: number): Promise<void> {
    try {
      await this.parts.courier.trim(upTo);
    } catch (error) {
      this.fail(error);
    }
  }

  /** The network came back: deliver what waited, now. */
  online(): void {
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.retry.reset();
    void this.sync();
  }

  /** Appends new local writes; `force` also when every member is connected. */
  async push(force = false): Promise<boolean> {
    if (this.destroyed) return false;
    if (!force && !this.parts.undelivered()) return false;
    try {
      const state = await this.parts.courier.push();
      if (state) this.parts.onDelivered(state);
      this.retry.reset();
      return true;
    } catch (error) {
      if (this.fail(error)) this.scheduleRetry(error instanceof MailboxError ? error.retryAfterSeconds : null);
      return false;
    }
  }

  destroy(): void {
    this.disposables.dispose();
  }

  /**
   * Writes that could not go out are retried with backoff until they do, and no sooner
   * than the server's `Retry-After` (capped) when it named one. They show as Waiting
   * meanwhile (docs/architecture.md §7.5).
   */
  private scheduleRetry(retryAfterSeconds: number | null): void {
    if (this.cancelRetry || this.destroyed) return;
    const asked = retryAfterSeconds === null ? 0 : Math.min(retryAfterSeconds * 1_000, MAX_RETRY_AFTER_MS);
    this.cancelRetry = this.disposables.timeout(
      () => {
        this.cancelRetry = null;
        void this.push(true);
      },
      Math.max(this.retry.next(), asked),
    );
  }

  private readonly onUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (origin !== LOCAL_ORIGIN || this.destroyed) return;
    this.cancelPush?.();
    this.cancelPush = this.disposables.timeout(() => {
      this.cancelPush = null;
      void this.push();
    }, ACK_GRACE_MS);
  };

  /** Returns true when the failure is transient (worth retrying). */
  private fail(error: unknown): boolean {
    // Offline, a server without a mailbox (404), a server error or full disk, or a rate
    // limit that says when to come back: try again later, quietly. A refusal (bad token,
    // quota) is worth telling the user about.
    if (error instanceof MailboxError && (error.transient || error.status === 404)) {
      this.parts.onOffline();
      return true;
    }
    this.parts.onError(error as Error);
    return false;
  }
}
