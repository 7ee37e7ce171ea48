/**
 * Who was dropped for misbehaving, and until when they are ignored (docs/architecture.md §5).
 * The delay doubles per offence (2 s up to 5 min), so a hostile member cannot reconnect every
 * second; an offender that stays quiet for a while is forgotten, so the table stays small.
 */
import { Backoff } from './backoff.js';

/** After its penalty ended, an entry is kept this long so a repeat offence escalates. */
const MEMORY_MS = 10 * 60_000;

interface Entry {
  until: number;
  readonly backoff: Backoff;
}

export class Penalties {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Number of remembered offenders (tests assert pruning). */
  get size(): number {
    return this.entries.size;
  }

  penalize(key: string): void {
    const known = this.entries.get(key);
    const backoff = known?.backoff ?? new Backoff({ baseMs: 2_000, maxMs: 5 * 60_000 });
    this.entries.set(key, { until: this.now() + backoff.next(), backoff });
  }

  isPenalized(key: string): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.until > this.now();
  }

  /** Forgets offenders whose penalty ended long ago. */
  prune(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.until + MEMORY_MS < now) this.entries.delete(key);
  }
}
