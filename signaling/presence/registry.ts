/**
 * Who is online, by opaque presence id (docs/architecture.md §1, §6). A socket says which ids it
 * stands for (`presence`) and which it wants reports about (`presence-watch`); both replace
 * that socket's previous set. An id is online while at least one socket holds it. Watchers
 * get `presence-state` at once for what they ask and again on every online/offline change
 * of a watched id, and never hear about ids they did not ask for.
 *
 * Last-seen times go to disk write-behind: batched every `flushMs` (and when many pile up,
 * and on close), because a synchronous=FULL commit per disconnecting socket would put an
 * fsync on the event loop for every tab closed. A crash loses at most `flushMs` of
 * last-seen updates, which are advisory, never acknowledged data.
 *
 * Memory: ≤ MAX_PRESENCE_IDS held plus as many watched per socket, and `maxEntries` in
 * total across sockets. Logs carry counts only.
 */
import type { PresenceState } from '../../src/core/wire/signaling.js';
import type { Logger } from '../logger.js';
import type { DeliveryMetrics } from '../metrics.js';
import type { PresenceStore } from './presence-store.js';

/**
 * A signaling socket as the registry sees it: it holds and watches ids, and receives
 * `presence-state` frames. (Not the client-side presence client in `src/net`.)
 */
export interface PresenceSocket {
  /** UTF-8 JSON text frame; returns false when not sent. Must not throw. */
  deliver(frame: Buffer): boolean;
}

/** Outcome of a `hold` or `watch`. */
export type PresenceUpdate =
  | {
      readonly ok: true;
      /** Ids new to this socket's set: what its churn budget is charged. */
      readonly added: number;
      /** For `watch`: the current state of every watched id, to send back at once. */
      readonly states: readonly PresenceState[];
    }
  /** The server-wide cap on held plus watched ids is reached. Nothing changed. */
  | { readonly ok: false };

export interface PresenceRegistryOptions {
  readonly store: PresenceStore;
  /** Longest delay before pending last-seen times are written. */
  readonly flushMs: number;
  /** Held plus watched ids across all clients. */
  readonly maxEntries: number;
  readonly metrics: DeliveryMetrics;
  readonly logger: Logger;
  /** Wall clock, ms since epoch. */
  readonly now?: () => number;
}

interface ClientSets {
  readonly held: Set<string>;
  readonly watched: Set<string>;
}

/** Pending last-seen writes flushed at once past this many, to bound that map. */
const MAX_PENDING = 10_000;

export class PresenceRegistry {
  /** id → number of clients holding it; present only while > 0. */
  private readonly holders = new Map<string, number>();
  private readonly watchers = new Map<string, Set<PresenceSocket>>();
  private readonly clients = new Map<PresenceSocket, ClientSets>();
  /** Last-seen times not yet on disk; read before the store. */
  private readonly pending = new Map<string, number>();
  private entries = 0;
  private watches = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly opts: PresenceRegistryOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Ids held by at least one client. */
  get onlineCount(): number {
    return this.holders.size;
  }

  /** (id, client) watch pairs. */
  get watchCount(): number {
    return this.watches;
  }

  /** Makes `ids` the exact set `client` stands for; watchers of ids that changed state are told. */
  hold(client: PresenceSocket, ids: ReadonlySet<string>): PresenceUpdate {
    if (this.closed) return { ok: true, added: 0, states: [] };
    const sets = this.setsOf(client);
    const added = [...ids].filter((id) => !sets.held.has(id));
    const removed = [...sets.held].filter((id) => !ids.has(id));
    if (this.entries + added.length - removed.length > this.opts.maxEntries) return { ok: false };
    const now = this.now();
    const changed: PresenceState[] = [];
    for (const id of removed) {
      sets.held.delete(id);
      if (this.drop(id, now)) changed.push({ id, online: false, lastSeen: now });
    }
    for (const id of added) {
      sets.held.add(id);
      this.entries++;
      const n = this.holders.get(id) ?? 0;
      this.holders.set(id, n + 1);
      if (n === 0) changed.push({ id, online: true, lastSeen: now });
    }
    this.report(changed);
    return { ok: true, added: added.length, states: [] };
  }

  /** Makes `ids` the exact set `client` watches; returns their current states. */
  watch(client: PresenceSocket, ids: ReadonlySet<string>): PresenceUpdate {
    if (this.closed) return { ok: true, added: 0, states: [] };
    const sets = this.setsOf(client);
    const added = [...ids].filter((id) => !sets.watched.has(id));
    const removed = [...sets.watched].filter((id) => !ids.has(id));
    if (this.entries + added.length - removed.length > this.opts.maxEntries) return { ok: false };
    for (const id of removed) this.unwatch(client, sets, id);
    for (const id of added) {
      sets.watched.add(id);
      this.entries++;
      this.watches++;
      let set = this.watchers.get(id);
      if (set === undefined) {
        set = new Set();
        this.watchers.set(id, set);
      }
      set.add(client);
    }
    return { ok: true, added: added.length, states: this.states([...ids]) };
  }

  /** The client is gone: its ids are released (watchers told) and its watches dropped. */
  release(client: PresenceSocket): void {
    const sets = this.clients.get(client);
    if (sets === undefined || this.closed) return;
    this.clients.delete(client);
    for (const id of [...sets.watched]) this.unwatch(client, sets, id);
    const now = this.now();
    const changed: PresenceState[] = [];
    for (const id of sets.held) if (this.drop(id, now)) changed.push({ id, online: false, lastSeen: now });
    sets.held.clear();
    this.report(changed);
  }

  /** Current state of each id: online now, or offline with its last-seen time (null if never). */
  states(ids: readonly string[]): PresenceState[] {
    const now = this.now();
    const unknown = ids.filter((id) => !this.holders.has(id) && !this.pending.has(id));
    const stored = this.opts.store.lastSeen(unknown);
    return ids.map((id) =>
      this.holders.has(id) ? { id, online: true, lastSeen: now } : { id, online: false, lastSeen: this.pending.get(id) ?? stored.get(id) ?? null },
    );
  }

  /** Writes pending last-seen times now. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.size === 0) return;
    try {
      this.opts.store.record(this.pending);
    } catch (err) {
      // Advisory data: log and move on rather than grow the map without bound.
      this.opts.logger.error('presence last-seen write failed', { name: err instanceof Error ? err.name : 'unknown', ids: this.pending.size });
    }
    this.pending.clear();
  }

  /**
   * Shutdown: every id still online was last seen now; write it all in one transaction
   * (one fsync, not one per socket) and ignore the sockets that close afterwards.
   */
  close(): void {
    if (this.closed) return;
    const now = this.now();
    for (const id of this.holders.keys()) this.pending.set(id, now);
    this.opts.logger.info('presence closed', { online: this.holders.size, watches: this.watches });
    this.closed = true;
    this.holders.clear();
    this.watchers.clear();
    this.clients.clear();
    this.flush();
  }

  private setsOf(client: PresenceSocket): ClientSets {
    let sets = this.clients.get(client);
    if (sets === undefined) {
      sets = { held: new Set(), watched: new Set() };
      this.clients.set(client, sets);
    }
    return sets;
  }

  /** One holder fewer; true when that was the last one (the id went offline). */
  private drop(id: string, now: number): boolean {
    this.entries--;
    const n = (this.holders.get(id) ?? 1) - 1;
    if (n > 0) {
      this.holders.set(id, n);
      return false;
    }
    this.holders.delete(id);
    this.pending.set(id, now);
    if (this.pending.size >= MAX_PENDING) this.flush();
    else if (this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => this.flush(), this.opts.flushMs);
      this.flushTimer.unref();
    }
    return true;
  }

  private unwatch(client: PresenceSocket, sets: ClientSets, id: string): void {
    sets.watched.delete(id);
    this.entries--;
    this.watches--;
    const set = this.watchers.get(id);
    set?.delete(client);
    if (set?.size === 0) this.watchers.delete(id);
  }

  /** One `presence-state` frame per watcher, holding only the ids it watches. */
  private report(changed: readonly PresenceState[]): void {
    if (changed.length === 0) return;
    const perSocket = new Map<PresenceSocket, PresenceState[]>();
    for (const state of changed) {
      for (const client of this.watchers.get(state.id) ?? []) {
        const list = perSocket.get(client);
        if (list) list.push(state);
        else perSocket.set(client, [state]);
      }
    }
    for (const [client, states] of perSocket) {
      if (client.deliver(Buffer.from(JSON.stringify({ type: 'presence-state', states }), 'utf8'))) this.opts.metrics.presenceReports++;
    }
  }
}
