/**
 * Who is online, by opaque presence id (docs/architecture.md §1, §6). A socket says which ids it
 * stands for (`presence`) and which it wants reports about (`presence-watch`); both replace
 * that socket's previous set. An id is online while at least one socket holds it. Watchers
 * get `presence-state` at once for what they ask and again on every online/offline change
 * of a watched id, and never hear about ids they did not ask for.
 *
 * Online/offline is decided by a {@link PresenceDirectory}: this registry tells it when the
 * first local socket holds an id and when the last one lets go, and reports the directory's
 * transitions to local watchers. On one node the directory is a set; in a cluster it is
 * Redis, so watchers hear about devices on other nodes (docs/architecture.md §6).
 *
 * Last-seen times go to disk write-behind: batched every `flushMs` (and when many pile up,
 * and on close), because a synchronous=FULL commit per disconnecting socket would put an
 * fsync on the event loop for every tab closed. A crash loses at most `flushMs` of
 * last-seen updates, which are advisory, never acknowledged data.
 *
 * Memory: ≤ MAX_PRESENCE_IDS held plus as many watched per socket, and `maxEntries` in
 * total across sockets. Logs carry counts only.
 */
import { MAX_PRESENCE_IDS, type PresenceChange, type PresenceState } from '../../src/core/wire/signaling.js';
import type { Logger } from '../logger.js';
import type { DeliveryMetrics } from '../metrics.js';
import type { PresenceDirectory } from './directory.js';
import type { PresenceStore } from './presence-store.js';

/**
 * A signaling socket as the registry sees it: it holds and watches ids, and receives
 * `presence-state` frames. (Not the client-side presence client in `src/net`.)
 */
export interface PresenceSocket {
  /** UTF-8 JSON text frame; returns false when not sent. Must not throw. */
  deliver(frame: Buffer): boolean;
}

/** Outcome of a `hold`, `watch` or `change`. */
export type PresenceUpdate =
  | {
      readonly ok: true;
      /** Ids new to this socket's set: what its churn budget is charged. */
      readonly added: number;
    }
  /**
   * Nothing changed: the server-wide cap on held plus watched ids is reached (`server`), or
   * this socket already holds (or watches) MAX_PRESENCE_IDS ids (`socket`).
   */
  | { readonly ok: false; readonly full: 'server' | 'socket' };

export interface PresenceRegistryOptions {
  readonly store: PresenceStore;
  /** Decides online/offline across nodes; a {@link MemoryPresenceDirectory} on one node. */
  readonly directory: PresenceDirectory;
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
    opts.directory.on('changes', this.onChanges);
    opts.directory.on('resynced', this.onResynced);
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
    const sets = this.setsOf(client);
    return this.changeHeld(sets, [...ids].filter((id) => !sets.held.has(id)), [...sets.held].filter((id) => !ids.has(id)));
  }

  /** Makes `ids` the exact set `client` watches (ask {@link states} for their current state). */
  watch(client: PresenceSocket, ids: ReadonlySet<string>): PresenceUpdate {
    const sets = this.setsOf(client);
    return this.changeWatched(client, sets, [...ids].filter((id) => !sets.watched.has(id)), [...sets.watched].filter((id) => !ids.has(id)));
  }

  /**
   * One id in or out of one of `client`'s sets (`presence-change`, docs/protocol.md §1.1):
   * a device says its ids one message at a time, so no frame lists them all.
   */
  change(client: PresenceSocket, id: string, change: PresenceChange): PresenceUpdate {
    const sets = this.setsOf(client);
    // `presence` and `presence-watch` are held to MAX_PRESENCE_IDS by the parser; one id at a
    // time must meet the same cap here, or one socket could fill the server-wide one alone.
    if ((change === 'hold' && !sets.held.has(id) && sets.held.size >= MAX_PRESENCE_IDS) || (change === 'watch' && !sets.watched.has(id) && sets.watched.size >= MAX_PRESENCE_IDS)) {
      return { ok: false, full: 'socket' };
    }
    switch (change) {
      case 'hold':
        return this.changeHeld(sets, sets.held.has(id) ? [] : [id], []);
      case 'release':
        return this.changeHeld(sets, [], sets.held.has(id) ? [id] : []);
      case 'watch':
        return this.changeWatched(client, sets, sets.watched.has(id) ? [] : [id], []);
      case 'unwatch':
        return this.changeWatched(client, sets, [], sets.watched.has(id) ? [id] : []);
    }
  }

  /** The client is gone: its ids are released (watchers told) and its watches dropped. */
  release(client: PresenceSocket): void {
    const sets = this.clients.get(client);
    if (sets === undefined || this.closed) return;
    this.clients.delete(client);
    for (const id of [...sets.watched]) this.unwatch(client, sets, id);
    const now = this.now();
    const released: string[] = [];
    for (const id of sets.held) if (this.drop(id, now)) released.push(id);
    sets.held.clear();
    if (released.length > 0) this.opts.directory.release(released, now);
  }

  /**
   * Current state of each id: online now (on any node), or offline with its last-seen time
   * (null if never). A store or directory that cannot be reached degrades the answer (offline,
   * last-seen unknown) rather than failing it: presence is advisory.
   */
  async states(ids: readonly string[]): Promise<PresenceState[]> {
    const online = await this.opts.directory.online(ids).catch((err: unknown) => {
      this.logFailure('presence directory lookup failed', err);
      return new Set(ids.filter((id) => this.holders.has(id)));
    });
    const unknown = ids.filter((id) => !online.has(id) && !this.pending.has(id));
    const stored =
      unknown.length === 0
        ? new Map<string, number>()
        : await this.opts.store.lastSeen(unknown).catch((err: unknown) => {
            this.logFailure('presence last-seen lookup failed', err);
            return new Map<string, number>();
          });
    const now = this.now();
    return ids.map((id) =>
      online.has(id) ? { id, online: true, lastSeen: now } : { id, online: false, lastSeen: this.pending.get(id) ?? stored.get(id) ?? null },
    );
  }

  /** Writes pending last-seen times now; resolves when written (or the write failed and was logged). */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.size === 0) return;
    const batch = new Map(this.pending);
    this.pending.clear();
    try {
      await this.opts.store.record(batch);
    } catch (err) {
      // Advisory data: log and move on rather than grow the map without bound.
      this.logFailure('presence last-seen write failed', err, batch.size);
    }
  }

  /**
   * Shutdown: every id still online was last seen now; write it all in one transaction
   * (one fsync, not one per socket) and ignore the sockets that close afterwards.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const now = this.now();
    for (const id of this.holders.keys()) this.pending.set(id, now);
    this.opts.logger.info('presence closed', { online: this.holders.size, watches: this.watches });
    this.closed = true;
    this.opts.directory.off('changes', this.onChanges);
    this.opts.directory.off('resynced', this.onResynced);
    // Other nodes' watchers hear that these went offline (unless held elsewhere too).
    if (this.holders.size > 0) this.opts.directory.release([...this.holders.keys()], now);
    this.holders.clear();
    this.watchers.clear();
    this.clients.clear();
    await this.flush();
  }

  /** Changes decided by the directory (this node's or another's) go to the local watchers. */
  private readonly onChanges = (changed: readonly PresenceState[]): void => {
    if (!this.closed) this.report(changed);
  };

  /** Transitions may have been missed: tell every local watcher the full current state. */
  private readonly onResynced = (): void => {
    if (this.closed || this.watchers.size === 0) return;
    void this.states([...this.watchers.keys()]).then((states) => this.report(states));
  };

  private logFailure(message: string, err: unknown, ids?: number): void {
    this.opts.logger.error(message, { name: err instanceof Error ? err.name : 'unknown', ...(ids === undefined ? {} : { ids }) });
  }

  private changeHeld(sets: ClientSets, added: readonly string[], removed: readonly string[]): PresenceUpdate {
    if (this.closed) return { ok: true, added: 0 };
    if (this.entries + added.length - removed.length > this.opts.maxEntries) return { ok: false, full: 'server' };
    const now = this.now();
    const released: string[] = [];
    for (const id of removed) {
      sets.held.delete(id);
      if (this.drop(id, now)) released.push(id);
    }
    const claimed: string[] = [];
    for (const id of added) {
      sets.held.add(id);
      this.entries++;
      const n = this.holders.get(id) ?? 0;
      this.holders.set(id, n + 1);
      if (n === 0) claimed.push(id);
    }
    if (released.length > 0) this.opts.directory.release(released, now);
    if (claimed.length > 0) this.opts.directory.claim(claimed, now);
    return { ok: true, added: added.length };
  }

  private changeWatched(client: PresenceSocket, sets: ClientSets, added: readonly string[], removed: readonly string[]): PresenceUpdate {
    if (this.closed) return { ok: true, added: 0 };
    if (this.entries + added.length - removed.length > this.opts.maxEntries) return { ok: false, full: 'server' };
    for (const id of removed) this.unwatch(client, sets, id);
    for (const id of added) {
      sets.watched.add(id);
      this.entries++;
      this.watches++;
      let set = this.watchers.get(id);
      if (set === undefined) {
        set = new Set();
        this.watchers.set(id, set);
        this.opts.directory.follow(id);
      }
      set.add(client);
    }
    return { ok: true, added: added.length };
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
    if (this.pending.size >= MAX_PENDING) void this.flush();
    else if (this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => void this.flush(), this.opts.flushMs);
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
    if (set?.size === 0) {
      this.watchers.delete(id);
      this.opts.directory.unfollow(id);
    }
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
