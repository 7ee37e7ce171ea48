/**
 * Per-address rates on the mailbox (docs/architecture.md §6): anyone can mint a token, so
 * a token is not an identity; the client address is what a stranger cannot multiply
 * cheaply. Three budgets per address, each a token bucket:
 *
 * - appends (requests), so one address cannot flood the store with small writes;
 * - appended bytes, so it cannot write 192 MiB in a couple of seconds;
 * - new mailboxes, so it cannot spread its writes over fresh mailboxes to dodge quotas.
 *
 * Behind a NAT many people share an address, so the bursts are generous; the steady rates
 * are what bound an attacker. On a cluster each node keeps its own buckets: the limits hold
 * per node, so N nodes admit N times the rate (see docs/architecture.md §6).
 */
import { KeyedBuckets } from '../rate-limit.js';

export interface MailboxRateLimits {
  /** Appends per address: burst, then per second. */
  readonly mailboxAppendBurst: number;
  readonly mailboxAppendsPerSecond: number;
  /** Appended bytes per address: burst, then per second. */
  readonly mailboxAppendBurstBytes: number;
  readonly mailboxAppendBytesPerSecond: number;
  /** New mailboxes per address: burst, then per second. */
  readonly mailboxCreateBurst: number;
  readonly mailboxCreatesPerSecond: number;
  /** Bytes of file pieces for the blob area per address: burst, then per second. */
  readonly mailboxBlobBurstBytes: number;
  readonly mailboxBlobBytesPerSecond: number;
  /** Addresses tracked at once; past it the oldest is forgotten. */
  readonly rateLimitMaxAddresses: number;
}

/** Which budget ran out, and when to come back (seconds). */
export interface RateRefusal {
  readonly budget: 'appends' | 'bytes' | 'mailboxes' | 'file bytes';
  readonly retryAfterSeconds: number;
}

export class MailboxAdmission {
  private readonly appends: KeyedBuckets;
  private readonly bytes: KeyedBuckets;
  private readonly creates: KeyedBuckets;
  private readonly pieces: KeyedBuckets;

  constructor(limits: MailboxRateLimits) {
    const n = limits.rateLimitMaxAddresses;
    this.appends = new KeyedBuckets(limits.mailboxAppendBurst, limits.mailboxAppendsPerSecond, n);
    this.bytes = new KeyedBuckets(limits.mailboxAppendBurstBytes, limits.mailboxAppendBytesPerSecond, n);
    this.creates = new KeyedBuckets(limits.mailboxCreateBurst, limits.mailboxCreatesPerSecond, n);
    this.pieces = new KeyedBuckets(limits.mailboxBlobBurstBytes, limits.mailboxBlobBytesPerSecond, n);
  }

  /** One append request from `address`. */
  append(address: string): RateRefusal | null {
    return this.charge(this.appends, 'appends', address, 1);
  }

  /** `n` body bytes from `address`. */
  appendBytes(address: string, n: number): RateRefusal | null {
    return this.charge(this.bytes, 'bytes', address, n);
  }

  /** One new mailbox from `address`. */
  create(address: string): RateRefusal | null {
    return this.charge(this.creates, 'mailboxes', address, 1);
  }

  /**
   * One piece for the blob area, of `n` bytes. Each costs at least 16 KiB, so the byte
   * budget bounds the number of requests too.
   */
  piece(address: string, n: number): RateRefusal | null {
    return this.charge(this.pieces, 'file bytes', address, Math.max(n, 16 * 1024));
  }

  private charge(buckets: KeyedBuckets, budget: RateRefusal['budget'], address: string, cost: number): RateRefusal | null {
    return buckets.take(address, cost) ? null : { budget, retryAfterSeconds: buckets.retryAfterSeconds(address, cost) };
  }
}
