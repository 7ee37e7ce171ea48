/**
 * Live mailbox notices (docs/protocol.md §1.1): a socket follows a mailbox with
 * `mailbox-watch {id, token}`, and after every committed append each socket following that
 * mailbox gets `{type:'mailbox-notice', id, seq}` at once, so an online member starts its
 * catch-up within a second instead of at its next pull.
 *
 * Watching needs the token, like reading does: the server checks `sha256(token) == id`, so
 * knowing a mailbox id (which push subscriptions and logs of a proxy might reveal) is not
 * enough to learn when it is written to. The notice itself says only "entry seq exists",
 * which any token holder could learn by polling.
 *
 * One mailbox per message, so no frame lists all of a device's conversations. The
 * messages do not count against the socket's general message rate (a device following
 * 1,000 conversations sends 1,000 of them on reconnect) but against their own bucket.
 */
import { mailboxIdOf } from '../../src/core/wire/mailbox.js';
import { CloseCodes } from '../../src/core/wire/signaling.js';
import type { DeliveryMetrics } from '../metrics.js';
import { TokenBucket } from '../rate-limit.js';
import type { BusSubscriber, SignalBus } from '../signal/bus.js';

/** Caps on watching. */
export interface MailboxWatchLimits {
  /** Mailboxes one socket may follow at once. */
  readonly maxMailboxWatchesPerSocket: number;
  /** Watch/unwatch messages per socket: burst, then per second. */
  readonly mailboxWatchBurst: number;
  readonly mailboxWatchesPerSecond: number;
  /** (mailbox, socket) watch pairs across the node. */
  readonly maxMailboxWatches: number;
}

/** Why a watch message closed its socket, with the close frame to send. */
export interface WatchRefusal {
  readonly code: number;
  readonly reason: string;
}

const noticeFrame = (id: string, seq: number): Buffer => Buffer.from(JSON.stringify({ type: 'mailbox-notice', id, seq }), 'utf8');

/** The highest seq ever appended to a mailbox (0: never), from the mailbox store. */
export type MailboxHead = (id: string) => Promise<number>;

/** Node-wide: sends notices after appends. */
export class MailboxNotices {
  constructor(
    private readonly bus: SignalBus,
    private readonly metrics: DeliveryMetrics,
  ) {}

  /** Entry `seq` of mailbox `id` has committed: tell every socket watching it. */
  notify(id: string, seq: number): void {
    this.metrics.mailboxNotices += this.bus.send('mailbox', id, noticeFrame(id, seq), false);
  }

  /** Watch pairs across the node. */
  get watchCount(): number {
    return this.bus.subscriptionCount('mailbox');
  }
}

/** Per socket: the mailboxes it follows. */
export class MailboxWatches {
  private readonly ids = new Set<string>();
  private readonly bucket: TokenBucket;
  private released = false;

  constructor(
    private readonly bus: SignalBus,
    private readonly socket: BusSubscriber,
    private readonly limits: MailboxWatchLimits,
    private readonly head?: MailboxHead,
  ) {
    this.bucket = new TokenBucket(limits.mailboxWatchBurst, limits.mailboxWatchesPerSecond);
  }

  /** `mailbox-watch`: null when done (or already watched), else why the socket must close. */
  watch(id: string, token: string): WatchRefusal | null {
    if (!this.bucket.take()) return { code: CloseCodes.rateLimited, reason: 'mailbox watches change too fast' };
    if (mailboxIdOf(token) !== id) return { code: CloseCodes.unauthorized, reason: 'the mailbox token does not open this mailbox' };
    if (this.released || this.ids.has(id)) return null;
    if (this.ids.size >= this.limits.maxMailboxWatchesPerSocket) return { code: CloseCodes.tooManyTopics, reason: 'too many mailbox watches on this socket' };
    if (this.bus.subscriptionCount('mailbox') >= this.limits.maxMailboxWatches) return { code: CloseCodes.policyViolation, reason: 'mailbox watch capacity reached' };
    this.ids.add(id);
    this.bus.subscribe('mailbox', id, this.socket);
    this.tellHead(id);
    return null;
  }

  /** `mailbox-unwatch`: null when done (watched or not), else why the socket must close. */
  unwatch(id: string): WatchRefusal | null {
    if (!this.bucket.take()) return { code: CloseCodes.rateLimited, reason: 'mailbox watches change too fast' };
    if (this.ids.delete(id)) this.bus.unsubscribe('mailbox', id, this.socket);
    return null;
  }

  /**
   * A device pulls on open and watches after, and those are not atomic: an entry appended
   * in between raised no notice for it. So a new watch is answered with the newest seq; a
   * device that has read that far does nothing (docs/architecture.md §7.2).
   */
  private tellHead(id: string): void {
    if (!this.head) return;
    this.head(id).then(
      (seq) => {
        if (seq > 0 && this.ids.has(id)) this.socket.deliver(noticeFrame(id, seq), false);
      },
      // The store unreachable: the device's periodic pull still finds the entry.
      () => undefined,
    );
  }

  /** The socket is gone: stop every watch. Idempotent. */
  release(): void {
    this.released = true;
    for (const id of this.ids) this.bus.unsubscribe('mailbox', id, this.socket);
    this.ids.clear();
  }
}
