/**
 * What a Y.Map held under each key over time. Documents keep every value that was replaced
 * (`gc: false`, docs/architecture.md §3.1) and every peer orders one key's versions alike,
 * so a reader may look past the newest value: the membership view reads the first epoch
 * record written under an id, and a block decision what the contact record replaced (§4.4).
 */
import type * as Y from 'yjs';

/** One value written under a key, and the Yjs id it was written under. */
export interface MapVersion {
  readonly value: unknown;
  readonly client: number;
  readonly clock: number;
}

/** The newest item under each key (a key deleted outright included: its item is deleted). */
export function newestItems(map: Y.Map<unknown>): ReadonlyMap<string, Y.Item> {
  return (map as unknown as { _map: Map<string, Y.Item> })._map;
}

/**
 * The values written under one key, from the item in force: newest first, or the first ever
 * written first. Values one client wrote back to back under the key, once replaced, may sit
 * in one item (Yjs merges deleted neighbours), so every value of each item counts.
 */
export function* versionsFrom(newest: Y.Item, order: 'newest' | 'first' = 'newest'): IterableIterator<MapVersion> {
  let item: Y.Item | null = newest;
  if (order === 'first') while (item.left) item = item.left as Y.Item;
  for (; item; item = (order === 'first' ? item.right : item.left) as Y.Item | null) {
    const values = (item.content as { arr?: unknown[] }).arr ?? [];
    const { client, clock } = item.id;
    const at = (i: number): MapVersion => ({ value: values[i], client, clock: clock + i });
    if (order === 'first') for (let i = 0; i < values.length; i++) yield at(i);
    else for (let i = values.length - 1; i >= 0; i--) yield at(i);
  }
}

/** The values written under `key`, newest first; none when the key was deleted outright. */
export function versionsOf(map: Y.Map<unknown>, key: string): unknown[] {
  const newest = newestItems(map).get(key);
  return !newest || newest.deleted ? [] : [...versionsFrom(newest)].map((v) => v.value);
}
