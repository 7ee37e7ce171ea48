/**
 * Per-socket token bucket. A socket may send `burst` messages at once and `perSecond`
 * messages per second after that; running dry means the socket is flooding, and the
 * caller closes it. Refill is computed lazily on each take, so an idle socket costs no
 * timer.
 */
/** The default clock, one function for every bucket: a closure per bucket cost each socket 56 bytes. */
const monotonic = (): number => performance.now();

export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @param burst largest number of messages accepted back to back
   * @param perSecond steady refill rate
   * @param now monotonic clock in milliseconds; injectable so tests can step time
   */
  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = monotonic,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes `cost` tokens if available. Returns false (taking nothing) when the bucket is dry. */
  take(cost = 1): boolean {
    this.refill();
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Whether `cost` tokens are there now (taking nothing). */
  has(cost = 1): boolean {
    this.refill();
    return this.tokens >= cost;
  }

  /** Whole seconds until `cost` tokens will be there (at least 1 when they are not now). */
  secondsUntil(cost = 1): number {
    this.refill();
    return this.tokens >= cost ? 0 : Math.max(1, Math.ceil((cost - this.tokens) / this.perSecond));
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
  }
}

/**
 * One token bucket per key (a client address), in a map of bounded size: when full, the
 * least recently created bucket is forgotten (its key starts again with a full bucket).
 * Evicting costs an attacker one fresh address per evicted entry, and every bucket it
 * could reset is capped by its own burst.
 */
export class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly maxKeys: number,
    private readonly now: () => number = monotonic,
  ) {}

  /** Takes `cost` from `key`'s bucket; false (taking nothing) when it is dry. */
  take(key: string, cost = 1): boolean {
    return this.bucket(key).take(cost);
  }

  /** Whether `key` could take `cost` now (taking nothing): to check two budgets before spending either. */
  has(key: string, cost = 1): boolean {
    return this.buckets.get(key)?.has(cost) ?? cost <= this.burst;
  }

  private bucket(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = new TokenBucket(this.burst, this.perSecond, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Seconds until `key` could take `cost` again (for Retry-After); 0 when it can now. */
  retryAfterSeconds(key: string, cost = 1): number {
    const bucket = this.buckets.get(key);
    return bucket === undefined ? 0 : bucket.secondsUntil(cost);
  }

  /** Keys tracked now. */
  get size(): number {
    return this.buckets.size;
  }
}
