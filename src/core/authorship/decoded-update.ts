/**
 * Decodes a Yjs update from a peer without touching the document, and resolves where each
 * struct would land: its root type and map key. This is the structural half of the guard
 * (ARCHITECTURE §5): what it rejects never reaches Yjs.
 *
 * Documents use `gc: false`, so every struct a peer can legitimately send is an Item whose
 * content is plain signed values. GC structs, skips, text, embeds, subdocs and nested types
 * are refused outright; a struct that depends on history the doc lacks is reported as a
 * gap so the caller can ask for a fresh sync instead of letting Yjs park it.
 */
import * as Y from 'yjs';

/** Clocks stay far below 2^53 and far above anything a conversation reaches. */
const MAX_CLOCK = 2 ** 40;
const MAX_DELETE_RANGES = 1_000_000;

export interface DecodedItem {
  readonly client: number;
  readonly clock: number;
  /** The values this update adds (already-known leading values are dropped). */
  readonly values: readonly unknown[];
  /** Clock of values[0]. */
  readonly firstClock: number;
  readonly root: string;
  /** Map key, or null for array items. */
  readonly key: string | null;
  readonly struct: Y.Item;
}

export interface DeleteRange {
  readonly client: number;
  readonly clock: number;
  readonly len: number;
}

export type DecodeResult =
  | { readonly ok: true; readonly items: DecodedItem[]; readonly deletes: DeleteRange[]; readonly empty: boolean }
  | { readonly ok: false; readonly reason: 'malformed' | 'forbidden' | 'gap'; readonly detail: string };

const fail = (reason: 'malformed' | 'forbidden' | 'gap', detail: string): DecodeResult => ({ ok: false, reason, detail });

interface Located {
  root: string;
  key: string | null;
}

export function decodePeerUpdate(doc: Y.Doc, update: Uint8Array): DecodeResult {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch (error) {
    return fail('malformed', `undecodable update: ${(error as Error).message}`);
  }
  const structs = decoded.structs;
  const byClient = new Map<number, Y.Item[]>();
  const provides = new Map<number, number>();
  for (const s of structs) {
    const { client, clock } = s.id;
    if (!Number.isSafeInteger(client) || client < 0 || client > 0xffffffff) return fail('malformed', 'bad client id');
    if (!Number.isSafeInteger(clock) || !(s.length > 0) || clock + s.length > MAX_CLOCK) return fail('malformed', 'struct clock or length out of range');
    if (s instanceof Y.Skip) return fail('gap', 'update contains a skip');
    if (!(s instanceof Y.Item)) return fail('forbidden', 'garbage-collected structs are not accepted');
    if (!(s.content instanceof Y.ContentAny)) return fail('forbidden', `content type ${s.content.constructor.name} is not part of the schema`);
    if (s.content.arr.length !== s.length) return fail('malformed', 'content length disagrees with struct length');
    const end = provides.get(client);
    if (end === undefined) {
      if (clock > Y.getState(doc.store, client)) return fail('gap', `client ${client} starts at ${clock}`);
    } else if (clock !== end) {
      return fail('malformed', 'structs of one client are not contiguous');
    }
    provides.set(client, clock + s.length);
    let list = byClient.get(client);
    if (!list) byClient.set(client, (list = []));
    list.push(s);
  }

  const located = new Map<Y.Item, Located | null>();
  const locate = (item: Y.Item, depth: number): Located | null => {
    const cached = located.get(item);
    if (cached !== undefined) return cached;
    let result: Located | null = null;
    const parent = item.parent as unknown;
    if (typeof parent === 'string') result = { root: parent, key: item.parentSub };
    else if (parent === null && depth < 10_000) {
      // Yjs takes the parent from the left origin first, then the right one.
      const ref = item.origin ?? item.rightOrigin;
      if (ref) result = locateId(ref, depth + 1);
    }
    located.set(item, result);
    return result;
  };
  const locateId = (id: Y.ID, depth: number): Located | null => {
    const list = byClient.get(id.client);
    const local = list ? findStruct(list, id.clock) : null;
    if (local) return locate(local, depth);
    if (id.clock >= Y.getState(doc.store, id.client)) return null;
    const item = Y.getItem(doc.store, id);
    if (!(item instanceof Y.Item) || !(item.parent instanceof Y.AbstractType) || item.parent._item !== null) return null;
    const root = rootName(doc, item.parent);
    return root === null ? null : { root, key: item.parentSub };
  };

  const items: DecodedItem[] = [];
  for (const list of byClient.values()) {
    for (const s of list) {
      for (const dep of [s.origin, s.rightOrigin]) {
        if (dep && !has(doc, provides, dep)) return fail('gap', 'depends on a missing struct');
      }
      if (s.parent !== null && typeof s.parent !== 'string') return fail('forbidden', 'nested types are not part of the schema');
      const where = locate(s, 0);
      if (!where) return fail('forbidden', 'struct is not attached to a root type');
      const known = Y.getState(doc.store, s.id.client);
      if (s.id.clock + s.length <= known) continue;
      const skip = Math.max(0, known - s.id.clock);
      const values = (s.content as Y.ContentAny).arr.slice(skip);
      items.push({ client: s.id.client, clock: s.id.clock, firstClock: s.id.clock + skip, values, root: where.root, key: where.key, struct: s });
    }
  }

  const deletes: DeleteRange[] = [];
  for (const [client, ranges] of decoded.ds.clients) {
    if (!Number.isSafeInteger(client) || client < 0) return fail('malformed', 'bad client id in delete set');
    for (const r of ranges) {
      if (!(r.len > 0) || r.clock < 0 || r.clock + r.len > MAX_CLOCK) return fail('malformed', 'delete range out of range');
      deletes.push({ client, clock: r.clock, len: r.len });
      if (deletes.length > MAX_DELETE_RANGES) return fail('malformed', 'too many delete ranges');
    }
  }
  return { ok: true, items, deletes, empty: structs.length === 0 && deletes.length === 0 };
}

function has(doc: Y.Doc, provides: Map<number, number>, id: Y.ID): boolean {
  if (id.clock < Y.getState(doc.store, id.client)) return true;
  const end = provides.get(id.client);
  return end !== undefined && id.clock < end;
}

/** Binary search for the struct of one client covering `clock`. */
export function findStruct<T extends { id: Y.ID; length: number }>(list: readonly T[], clock: number): T | null {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const s = list[mid]!;
    if (clock < s.id.clock) hi = mid - 1;
    else if (clock >= s.id.clock + s.length) lo = mid + 1;
    else return s;
  }
  return null;
}

const rootNames = new WeakMap<Y.AbstractType<unknown>, string | null>();

/** The name under which a root type sits in `doc.share`. */
export function rootName(doc: Y.Doc, type: Y.AbstractType<unknown>): string | null {
  let name = rootNames.get(type);
  if (name === undefined) {
    name = null;
    for (const [key, value] of doc.share) {
      if (value === type) {
        name = key;
        break;
      }
    }
    if (name !== null) rootNames.set(type, name);
  }
  return name;
}
