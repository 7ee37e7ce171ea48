/**
 * Reconnect delays per remote (docs/architecture.md §5.3). After a link is lost, the remote
 * may still be there (a network blip): the topics it shared are announced again after a
 * delay that grows per remote (1 s up to 30 s, with jitter), so either side can reconnect
 * without both hammering the server. A remote's delay resets when a link to it opens, and is
 * forgotten five minutes after its last use, so the table stays small.
 */
import { Backoff } from './backoff.js';

const MEMORY_MS = 5 * 60_000;

export class Reconnects {
  private readonly delays = new Map<string, { readonly backoff: Backoff; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Remembered remotes (tests assert pruning). */
  get size(): number {
    return this.delays.size;
  }

  /** The delay before announcing again for a link to `remote` that was just lost. */
  next(remote: string): number {
    let entry = this.delays.get(remote);
    if (!entry) this.delays.set(remote, (entry = { backoff: new Backoff({ baseMs: 1000, maxMs: 30_000 }), at: 0 }));
    entry.at = this.now();
    return entry.backoff.next();
  }

  /** A link to `remote` opened: its next loss starts from the shortest delay. */
  opened(remote: string): void {
    this.delays.delete(remote);
  }

  /** Forgets remotes not lost for a while. */
  prune(): void {
    const now = this.now();
    for (const [remote, entry] of this.delays) if (entry.at + MEMORY_MS < now) this.delays.delete(remote);
  }
}
