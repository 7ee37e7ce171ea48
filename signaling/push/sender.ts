/**
 * Web Push wake-ups after mailbox appends (docs/architecture.md §6, §7). `notify` returns at once:
 * the append's 201 never waits for push services. Each (subscription, mailbox) pair has at
 * most one delivery pending; further appends while it is pending only raise the seq it
 * carries (the service worker fetches everything after its cursor anyway), so a busy
 * mailbox costs one push per follower, not one per entry. The queue is bounded by
 * `maxQueue` pairs and the requests in flight by `concurrency`; a delivery waiting for a
 * retry holds no request slot.
 *
 * Each announcement is claimed in the store first (`PushSubscriptionStore.claim`), so nodes
 * sharing a PostgreSQL store never send the same (subscription, mailbox, seq) twice.
 *
 * Payload: `encodePushPayload({ v: 1, mailbox, seq })`, 256 bytes padded, encrypted
 * (aes128gcm) and signed (VAPID) by `web-push`. Logs carry verdicts, statuses and error
 * codes only, never an endpoint, key or payload.
 */
import { setMaxListeners } from 'node:events';
import webpush from 'web-push';
import { encodePushPayload } from '../../src/core/wire/push.js';
import type { Logger } from '../logger.js';
import type { DeliveryMetrics } from '../metrics.js';
import { deliverWithRetry, systemScheduler, type RetryPolicy, type Scheduler } from './retry.js';
import type { PushSubscriptionStore, StoredPushSubscription } from './subscription-store.js';
import type { PushAttemptResult, PushRequest, PushTransport } from './transport.js';
import type { VapidKeys } from './vapid-keys.js';

export interface PushSender {
  /**
   * Queues a wake-up `{ v: 1, mailbox, seq }` for every subscription following `mailbox`,
   * except the one whose endpoint hashes to `excludeEndpointHash` (the writer's own).
   * Never throws and never waits for delivery.
   */
  notify(mailbox: string, seq: number, excludeEndpointHash: string | null): void;
  /** Deliveries queued, waiting for a retry, or in flight. */
  readonly pending: number;
  /** Resolves once nothing is pending (tests; also part of `close`). */
  whenIdle(): Promise<void>;
  /** Stops accepting work, abandons retries and requests in flight, closes connections. */
  close(): Promise<void>;
}

export interface WebPushSenderOptions {
  /** Who follows which mailbox; 404/410 subscriptions are removed from it. */
  readonly subscriptions: PushSubscriptionStore;
  /** The HTTP exchange with push services. */
  readonly transport: PushTransport;
  /** The server's VAPID key pair. */
  readonly vapid: VapidKeys;
  /** VAPID `sub` claim (mailto: or https:). */
  readonly subject: string;
  /** RFC 8030 TTL header, seconds. */
  readonly ttlSeconds: number;
  /** Retries for 429/5xx/network failures. */
  readonly policy: RetryPolicy;
  /** Push requests in flight at once. */
  readonly concurrency: number;
  /** Pending (subscription, mailbox) pairs; beyond it wake-ups are dropped and counted. */
  readonly maxQueue: number;
  readonly metrics: DeliveryMetrics;
  readonly logger: Logger;
  /** Clock and timers for retries; the system one by default. */
  readonly scheduler?: Scheduler;
  /** Jitter source. */
  readonly random?: () => number;
  /**
   * A delivered push marks its subscription used (`PushSubscriptionStore.markUsed`), so a
   * device that is woken but never posts again is not purged; written at most once per
   * this long per subscription (a day by default).
   */
  readonly markUsedEveryMs?: number;
  /** Wall clock for that mark, ms since epoch. */
  readonly now?: () => number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

interface Job {
  readonly key: string;
  readonly sub: StoredPushSubscription;
  readonly mailbox: string;
  /** The newest seq to announce; raised by later appends while the job is pending. */
  seq: number;
}

/** FIFO counting semaphore whose waiters give up when the sender closes. */
class Slots {
  private readonly waiters: (() => void)[] = [];

  constructor(private free: number) {}

  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      };
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      };
      this.waiters.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}

export function createWebPushSender(opts: WebPushSenderOptions): PushSender {
  const { subscriptions, transport, metrics, logger, policy } = opts;
  const scheduler = opts.scheduler ?? systemScheduler;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  const vapidDetails = { subject: opts.subject, publicKey: opts.vapid.publicKey, privateKey: opts.vapid.privateKey };
  const jobs = new Map<string, Job>();
  const lookups = new Set<Promise<void>>();
  const slots = new Slots(opts.concurrency);
  const stop = new AbortController();
  // Every request in flight, retry wait and slot waiter listens on this one signal; the
  // queue bound (not a listener count) is what limits them.
  setMaxListeners(0, stop.signal);
  let idleWaiters: (() => void)[] = [];

  const settleIdle = (): void => {
    if (jobs.size > 0 || lookups.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const whenIdle = (): Promise<void> =>
    new Promise((resolve) => {
      idleWaiters.push(resolve);
      settleIdle();
    });

  const prepare = (job: Job, seq: number): PushRequest => {
    const { endpoint, headers, body } = webpush.generateRequestDetails(
      { endpoint: job.sub.endpoint, keys: { p256dh: job.sub.p256dh, auth: job.sub.auth } },
      encodePushPayload({ v: 1, mailbox: job.mailbox, seq }),
      { vapidDetails, TTL: opts.ttlSeconds, contentEncoding: 'aes128gcm' },
    );
    return { endpoint, headers: headers as Record<string, string | number>, body };
  };

  /**
   * Claims the announcement of `seq` in the shared store; false when another node (or an
   * earlier delivery) already announced it or a later entry, or the store cannot say.
   */
  const claim = async (job: Job, seq: number): Promise<boolean> => {
    try {
      return await subscriptions.claim(job.sub.id, job.mailbox, seq);
    } catch (err) {
      // Unknown outcome: skipping risks one missed wake-up, sending risks a duplicate.
      // Wake-ups are best effort and devices fetch on open, so skip.
      metrics.pushesFailed++;
      logger.warn('push claim failed', { name: err instanceof Error ? err.name : 'unknown' });
      return false;
    }
  };

  async function run(job: Job): Promise<void> {
    let sentSeq = job.seq;
    if (!(await claim(job, sentSeq))) return;
    let request: PushRequest;
    try {
      request = prepare(job, sentSeq);
    } catch (err) {
      // Keys were validated at registration, so this is a bug or a corrupted row.
      metrics.pushesFailed++;
      logger.error('push request could not be prepared', { name: err instanceof Error ? err.name : 'unknown' });
      return;
    }
    let lastCode = '';
    const attempt = async (): Promise<PushAttemptResult> => {
      if (!(await slots.acquire(stop.signal))) return { status: 0 };
      try {
        // A newer append arrived while waiting: announce that one instead (once claimed).
        if (job.seq !== sentSeq && (await claim(job, job.seq))) {
          sentSeq = job.seq;
          request = prepare(job, sentSeq);
        }
        const result = await transport.send(request, stop.signal);
        lastCode = result.code ?? '';
        return result;
      } finally {
        slots.release();
      }
    };
    for (;;) {
      const outcome = await deliverWithRetry(attempt, policy, scheduler, stop.signal, random);
      metrics.pushesRetried += Math.max(0, outcome.attempts - 1);
      if (outcome.verdict === 'aborted') return;
      if (outcome.verdict === 'gone') {
        metrics.pushesFailed++;
        if (await subscriptions.removeById(job.sub.id)) metrics.pushSubscriptionsRemoved++;
        logger.info('push subscription gone; removed', { status: outcome.status });
        return;
      }
      if (outcome.verdict !== 'delivered') {
        metrics.pushesFailed++;
        logger.warn('push not delivered', { verdict: outcome.verdict, status: outcome.status, attempts: outcome.attempts, code: lastCode });
        return;
      }
      metrics.pushesSent++;
      const at = now();
      await subscriptions.markUsed(job.sub.id, at, at - (opts.markUsedEveryMs ?? DAY_MS)).catch((err: unknown) => logger.warn('push subscription use not recorded', { name: err instanceof Error ? err.name : 'unknown' }));
      if (job.seq === sentSeq) return;
      // Appended again while this push was in flight: the device must hear about it too.
      if (!(await claim(job, job.seq))) return;
      sentSeq = job.seq;
      request = prepare(job, sentSeq);
    }
  }

  const start = (job: Job): void => {
    jobs.set(job.key, job);
    void run(job)
      .catch((err: unknown) => logger.error('push delivery failed', { name: err instanceof Error ? err.name : 'unknown' }))
      .finally(() => {
        jobs.delete(job.key);
        settleIdle();
      });
  };

  return {
    notify(mailbox, seq, excludeEndpointHash) {
      if (stop.signal.aborted) return;
      const lookup = subscriptions
        .followers(mailbox)
        .then((subs) => {
          if (stop.signal.aborted) return;
          for (const sub of subs) {
            if (sub.endpointHash === excludeEndpointHash) continue;
            const key = `${sub.id}/${mailbox}`;
            const pending = jobs.get(key);
            if (pending) {
              pending.seq = Math.max(pending.seq, seq);
            } else if (jobs.size >= opts.maxQueue) {
              metrics.pushesDropped++;
            } else {
              start({ key, sub, mailbox, seq });
            }
          }
        })
        .catch((err: unknown) => logger.error('push follower lookup failed', { name: err instanceof Error ? err.name : 'unknown' }))
        .finally(() => {
          lookups.delete(lookup);
          settleIdle();
        });
      lookups.add(lookup);
    },

    get pending() {
      return jobs.size;
    },

    whenIdle,

    async close() {
      stop.abort();
      await whenIdle();
      transport.close();
    },
  };
}
