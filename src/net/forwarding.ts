/**
 * Relaying without flooding (docs/architecture.md §5.6). A device relays an update it got
 * from one neighbour to the others, because two members may have no link to each other. In
 * a full mesh every neighbour already got it from the author, so relaying at once would send
 * each update over every link (n² bytes for a group of n). Instead a relay waits a moment
 * and goes only to neighbours that have not shown they hold it: their acks (state vectors,
 * sent to every neighbour) and their sync step 1 say what they hold.
 *
 * This module keeps that account for one neighbour, with its relay timer.
 */
import type * as Y from 'yjs';
import type { Disposables } from '../core/lifecycle.js';

/** The clocks an update brought, per Yjs client: holding them means holding the update. */
export type Clocks = ReadonlyArray<readonly [client: number, clock: number]>;

/** An update waiting to be relayed to one neighbour. */
export interface Relay {
  /** The sync message as it goes on the wire. */
  readonly message: Uint8Array;
  /** What the update brought; empty for one that only deletes (see `grownClocks`). */
  readonly clocks: Clocks;
}

/**
 * Clients a neighbour's reports may name that are remembered. A report names at most the
 * clients of one frame, but a hostile neighbour could name new ones in every report; past
 * the cap, entries for new clients are ignored, which only costs it a redundant relay.
 */
export const MAX_KNOWN_CLIENTS = 4096;

/**
 * The clocks a transaction advanced. Empty when it only deleted: a state vector does not
 * show deletions, so such an update is relayed at once (it is small).
 */
export function grownClocks(transaction: Y.Transaction): Clocks {
  const grown: Array<[number, number]> = [];
  for (const [client, clock] of transaction.afterState) {
    if (clock > (transaction.beforeState.get(client) ?? 0)) grown.push([client, clock]);
  }
  return grown;
}

/** What a `Neighbour` needs from the room that owns it. */
export interface NeighbourParts {
  /** The link's timers, released when it detaches. */
  readonly owned: Disposables;
  /** How long a relay waits for an ack before it is sent. */
  readonly delayMs: number;
  /** Sends a sync message over this neighbour's link. */
  readonly send: (message: Uint8Array) => void;
  /** Nothing waits for this neighbour any more (a drain may finish). */
  readonly idle: () => void;
}

/**
 * What one neighbour is known to hold, and the relays it may still need. Also what it was
 * told this device holds, so an ack carries only the clocks that moved since (a full state
 * vector per neighbour per update grew as members², the thing relaying was fixed to avoid).
 */
export class Neighbour {
  /** What it holds: what it reported, plus what was sent to it. */
  private readonly known = new Map<number, number>();
  /** What it reported itself (acks, step 1), merged: the ack the room reports upward. */
  private readonly reported = new Map<number, number>();
  /** What this device told it that it holds (its step 1, its acks). */
  private readonly told = new Map<number, number>();
  private waiting: Relay[] = [];
  private cancelTimer: (() => void) | null = null;

  constructor(private readonly parts: NeighbourParts) {}

  /** Whether this neighbour is known to hold everything `clocks` stands for. */
  holds(clocks: Clocks): boolean {
    if (clocks.length === 0) return false;
    for (const [client, clock] of clocks) if ((this.known.get(client) ?? 0) < clock) return false;
    return true;
  }

  /** The neighbour reported holding `stateVector` (an ack, a step 1): relays it holds are dropped. */
  learn(stateVector: ReadonlyMap<number, number>): void {
    for (const [client, clock] of stateVector) this.raise(this.reported, client, clock);
    this.holdsAlso(stateVector);
  }

  /** Everything up to `stateVector` was sent to it (a step 2 answer): relays it covers are dropped. */
  holdsAlso(stateVector: ReadonlyMap<number, number>): void {
    for (const [client, clock] of stateVector) this.raise(this.known, client, clock);
    if (this.waiting.length === 0) return;
    this.waiting = this.waiting.filter((r) => !this.holds(r.clocks));
    if (this.waiting.length === 0) this.settle();
  }

  /** Relays `relay` after the delay unless the neighbour shows it holds it first. */
  queue(relay: Relay): void {
    if (this.holds(relay.clocks)) return;
    this.waiting.push(relay);
    this.cancelTimer ??= this.parts.owned.timeout(() => this.flush(), this.parts.delayMs);
  }

  /** Sends the relays still needed now, counting them as held (the link is reliable and ordered). */
  flush(): void {
    const due = this.waiting.filter((r) => !this.holds(r.clocks));
    this.waiting = [];
    for (const relay of due) {
      for (const [client, clock] of relay.clocks) this.raise(this.known, client, clock);
      this.parts.send(relay.message);
    }
    this.settle();
  }

  /** Everything the neighbour reported holding, merged (a copy: listeners keep it). */
  acked(): Map<number, number> {
    return new Map(this.reported);
  }

  /**
   * The entries of `ours` (this device's state vector) the neighbour was not told of yet,
   * now counted as told; empty when nothing moved.
   */
  tell(ours: ReadonlyMap<number, number>): Map<number, number> {
    const news = new Map<number, number>();
    for (const [client, clock] of ours) {
      if ((this.told.get(client) ?? 0) >= clock) continue;
      this.told.set(client, clock);
      news.set(client, clock);
    }
    return news;
  }

  /** Relays waiting for this neighbour. */
  get pending(): number {
    return this.waiting.length;
  }

  private settle(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.parts.idle();
  }

  private raise(map: Map<number, number>, client: number, clock: number): void {
    const had = map.get(client);
    if (had === undefined && map.size >= MAX_KNOWN_CLIENTS) return;
    if (had === undefined || clock > had) map.set(client, clock);
  }
}
