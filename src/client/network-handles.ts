/**
 * The mesh and the other tabs' sync as the client holds them: the parts themselves (bots, the
 * command line, tests), or the promise of them. The page loads the network only after the
 * list of conversations has shown from storage (docs/architecture.md §11, "Loaded on first
 * use"), and its client starts before that: rooms opened, rekeyed and closed and links cut
 * in the meantime run when the part arrives, in the order they were asked for (each is a
 * `then` on the same promise).
 */
import type { Mesh } from '../net/mesh.js';
import type { RoomSync } from '../net/room-sync.js';
import type { TabSync } from '../net/tab-sync.js';

/** A part, or the promise of it while it loads. */
export type Later<T> = T | Promise<T>;

export type MeshHandle = Later<Mesh>;
export type TabsHandle = Later<TabSync | null>;
/** A room's sync, or its promise while the mesh is still loading. */
export type RoomSyncHandle = Later<RoomSync>;

/** Runs `act` on the part: now when it is there, else once it has loaded. */
export function whenThere<T, R>(part: Later<T>, act: (part: T) => R): Later<R> {
  return part instanceof Promise ? part.then(act) : act(part);
}
