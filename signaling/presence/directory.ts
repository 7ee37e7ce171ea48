/**
 * Where "online" is decided (docs/architecture.md §6). The registry tracks this node's
 * sockets; the directory knows which ids are held on *any* node and announces when one goes
 * online or offline as a whole. One node needs nothing more than a set
 * ({@link MemoryPresenceDirectory}); a cluster shares it through Redis
 * (`directory-redis.ts`), so a watcher on node B hears about a device on node A.
 */
import { ObservableV2 } from 'lib0/observable';
import type { PresenceState } from '../../src/core/wire/signaling.js';

export interface PresenceDirectoryEvents {
  /** Ids that went online or offline anywhere (each at most once per transition). */
  changes: (states: readonly PresenceState[]) => void;
  /**
   * The directory lost changes (its backend was unreachable and is back): the registry
   * re-reports the full state of every watched id.
   */
  resynced: () => void;
}

export interface PresenceDirectory extends ObservableV2<PresenceDirectoryEvents> {
  /** This node now holds `ids` (each was held by no local socket before). */
  claim(ids: readonly string[], now: number): void;
  /** This node no longer holds `ids` (their last local socket let go) as of `now`. */
  release(ids: readonly string[], now: number): void;
  /** Which of `ids` are held on some node. */
  online(ids: readonly string[]): Promise<ReadonlySet<string>>;
  /** Local watchers appeared for `id`: changes made on other nodes must reach this one. */
  follow(id: string): void;
  /** The last local watcher of `id` left. */
  unfollow(id: string): void;
  /** Stops timers and forgets this node's claims. */
  close(): Promise<void>;
}

/** One node: the ids held here are all there is. */
export class MemoryPresenceDirectory extends ObservableV2<PresenceDirectoryEvents> implements PresenceDirectory {
  private readonly held = new Set<string>();

  claim(ids: readonly string[], now: number): void {
    const changed: PresenceState[] = [];
    for (const id of ids) {
      if (this.held.has(id)) continue;
      this.held.add(id);
      changed.push({ id, online: true, lastSeen: now });
    }
    if (changed.length > 0) this.emit('changes', [changed]);
  }

  release(ids: readonly string[], now: number): void {
    const changed: PresenceState[] = [];
    for (const id of ids) if (this.held.delete(id)) changed.push({ id, online: false, lastSeen: now });
    if (changed.length > 0) this.emit('changes', [changed]);
  }

  async online(ids: readonly string[]): Promise<ReadonlySet<string>> {
    return new Set(ids.filter((id) => this.held.has(id)));
  }

  follow(): void {}

  unfollow(): void {}

  async close(): Promise<void> {
    this.held.clear();
    super.destroy();
  }
}
