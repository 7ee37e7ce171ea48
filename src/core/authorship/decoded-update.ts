/**
 * Decodes a Yjs update from a peer without touching the document, and resolves where each
 * struct would land: its root type and map key. This is the structural half of the guard
 * (docs/architecture.md §5.6, §8.1): what it rejects never reaches Yjs.
 *
 * Documents use `gc: false`, so every struct a peer can legitimately send is an Item whose
 * content is plain signed values. Refused: GC structs, skips, text, embeds, subdocs, nested
 * types; a client split over two blocks (Yjs keeps only the last); dependencies on the
 * struct itself or later (Yjs throws); dependency cycles (Yjs parks them forever). A struct
 * that depends on history the doc lacks is reported as a gap, so the caller asks for a
 * fresh sync instead of letting Yjs park it.
 *
 * Locations are resolved the way Yjs integrates: an explicit parent, else the left origin's
 * location, else the right origin's — and for a struct the doc already partly holds, the
 * location of the client's previous item, whatever the struct declares. Resolution is
 * iterative: honest chains of thousands of origins must not overflow the stack.
 */
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { DEFAULT_SCAN_LIMITS, scanUpdate, type ScanLimits } from './update-scan.js';

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
  /** Encoded size of each of `values`, as it arrived. */
  readonly valueBytes: Uint32Array;
}

export interface DeleteRange {
  readonly client: number;
  readonly clock: number;
  readonly len: number;
}

export type DecodeResult =
  | {
      readonly ok: true;
      readonly items: DecodedItem[];
      readonly deletes: DeleteRange[];
      /** Root names that structs the doc already holds declare (Yjs would still create them). */
      readonly declaredRoots: ReadonlySet<string>;
      readonly empty: boolean;
      /** No struct holds a clock the doc already had: the bytes are exactly what applying them adds. */
      readonly fresh: boolean;
    }
  | { readonly ok: false; readonly reason: 'malformed' | 'forbidden' | 'gap'; readonly detail: string };

type Failure = Extract<DecodeResult, { ok: false }>;
const fail = (reason: Failure['reason'], detail: string): Failure => ({ ok: false, reason, detail });

interface Located {
  readonly root: string;
  readonly key: string | null;
}

/**
 * Reads an update's structs and delete set: `Y.decodeUpdate`, or a reader that also keeps
 * what it read for the apply that follows the check (net/read-values.ts).
 */
export type UpdateDecode = (update: Uint8Array) => ReturnType<typeof Y.decodeUpdate>;

export function decodePeerUpdate(doc: Y.Doc, update: Uint8Array, limits: ScanLimits = DEFAULT_SCAN_LIMITS, decode: UpdateDecode = Y.decodeUpdate): DecodeResult {
  // Counted and measured before a single object is allocated for it.
  const scan = scanUpdate(update, limits);
  if (!scan.ok) return scan;
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = decode(update);
  } catch (error) {
    return fail('malformed', `undecodable update: ${(error as Error).message}`);
  }
  const structs = decoded.structs;
  // The update's first field counts its client blocks. Yjs keeps one block per client, so a
  // client written in two blocks (even back to back) would lose the first: refuse it.
  let blocks: number;
  try {
    blocks = decoding.readVarUint(decoding.createDecoder(update));
  } catch {
    return fail('malformed', 'no client block count');
  }
  const byClient = new Map<number, Y.Item[]>();
  /** Index of each struct's first value in the scan's sizes (same order as the bytes). */
  const valueOffset = new Map<Y.Item, number>();
  let valueCursor = 0;
  const provides = new Map<number, number>();
  const declaredRoots = new Set<string>();
  let currentClient = -1;
  for (const s of structs) {
    const { client, clock } = s.id;
    if (!Number.isSafeInteger(client) || client < 0) return fail('malformed', 'bad client id');
    if (!Number.isSafeInteger(clock) || !(s.length > 0) || clock + s.length > MAX_CLOCK) return fail('malformed', 'struct clock or length out of range');
    if (client !== currentClient) {
      // Yjs keeps one block per client; a second block would silently replace the first.
      if (byClient.has(client)) return fail('malformed', 'a client appears in two blocks');
      currentClient = client;
    }
    if (s instanceof Y.Skip) return fail('gap', 'update contains a skip');
    if (!(s instanceof Y.Item)) return fail('forbidden', 'garbage-collected structs are not accepted');
    if (!(s.content instanceof Y.ContentAny)) return fail('forbidden', `content type ${s.content.constructor.name} is not part of the schema`);
    if (s.content.arr.length !== s.length) return fail('malformed', 'content length disagrees with struct length');
    const parent = s.parent as unknown;
    if (parent !== null && typeof parent !== 'string') return fail('forbidden', 'nested types are not part of the schema');
    if (typeof parent === 'string') declaredRoots.add(parent);
    const end = provides.get(client);
    if (end === undefined) {
      if (clock > Y.getState(doc.store, client)) return fail('gap', `client ${client} starts at ${clock}`);
    } else if (clock !== end) {
      return fail('malformed', 'structs of one client are not contiguous');
    }
    for (const dep of [s.origin, s.rightOrigin]) {
      // Same client: only strictly earlier clocks exist when this struct integrates.
      if (dep && dep.client === client && dep.clock >= clock) return fail('malformed', 'a struct depends on itself or a later struct of its client');
    }
    provides.set(client, clock + s.length);
    valueOffset.set(s, valueCursor);
    valueCursor += s.length;
    let list = byClient.get(client);
    if (!list) byClient.set(client, (list = []));
    list.push(s);
  }

  if (byClient.size !== blocks) return fail('malformed', 'client blocks do not match the clients they hold');

  const findIncoming = (id: Y.ID): Y.Item | null => {
    const list = byClient.get(id.client);
    return list ? findStruct(list, id.clock) : null;
  };
  for (const list of byClient.values()) {
    for (const s of list) {
      for (const dep of [s.origin, s.rightOrigin]) {
        if (dep && !has(doc, provides, dep)) return fail('gap', 'depends on a missing struct');
      }
    }
  }
  if (hasDependencyCycle(byClient, findIncoming)) return fail('forbidden', 'structs depend on each other in a cycle');

  const locations = resolveLocations(doc, byClient, findIncoming);
  const items: DecodedItem[] = [];
  let fresh = true;
  for (const list of byClient.values()) {
    for (const s of list) {
      const known = Y.getState(doc.store, s.id.client);
      if (s.id.clock < known) fresh = false;
      if (s.id.clock + s.length <= known) continue;
      let where = locations.get(s) ?? null;
      const skip = Math.max(0, known - s.id.clock);
      if (skip > 0) {
        // Yjs integrates only the new part, after the client's own previous item.
        const previous = docLocation(doc, Y.createID(s.id.client, known - 1));
        if (!previous || !where || previous.root !== where.root || previous.key !== where.key) {
          return fail('forbidden', 'a partly known struct would land somewhere else than it says');
        }
        where = previous;
      }
      if (!where) return fail('forbidden', 'struct is not attached to a root type');
      const values = (s.content as Y.ContentAny).arr.slice(skip);
      const first = valueOffset.get(s)! + skip;
      const valueBytes = scan.valueBytes.subarray(first, first + values.length);
      items.push({ client: s.id.client, clock: s.id.clock, firstClock: s.id.clock + skip, values, root: where.root, key: where.key, struct: s, valueBytes });
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
  return { ok: true, items, deletes, declaredRoots, empty: structs.length === 0 && deletes.length === 0, fresh };
}

/** Each struct's dependencies inside the update: its origins and its client's previous struct. */
function dependencies(s: Y.Item, findIncoming: (id: Y.ID) => Y.Item | null): Y.Item[] {
  const out: Y.Item[] = [];
  for (const dep of [s.origin, s.rightOrigin, s.id.clock > 0 ? Y.createID(s.id.client, s.id.clock - 1) : null]) {
    if (!dep) continue;
    const target = findIncoming(dep);
    if (target && target !== s) out.push(target);
  }
  return out;
}

/** Iterative three-colour DFS over the update's own structs. */
function hasDependencyCycle(byClient: Map<number, Y.Item[]>, findIncoming: (id: Y.ID) => Y.Item | null): boolean {
  const state = new Map<Y.Item, 1 | 2>();
  for (const list of byClient.values()) {
    for (const start of list) {
      if (state.has(start)) continue;
      const stack: Array<{ node: Y.Item; deps: Y.Item[]; next: number }> = [{ node: start, deps: dependencies(start, findIncoming), next: 0 }];
      state.set(start, 1);
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        if (top.next >= top.deps.length) {
          state.set(top.node, 2);
          stack.pop();
          continue;
        }
        const dep = top.deps[top.next++]!;
        const seen = state.get(dep);
        if (seen === 1) return true;
        if (seen === undefined) {
          state.set(dep, 1);
          stack.push({ node: dep, deps: dependencies(dep, findIncoming), next: 0 });
        }
      }
    }
  }
  return false;
}

/**
 * Where each struct of the update lands, resolved without recursion: follow origins until a
 * struct with a known location (explicit parent, or an item already in the doc), then
 * assign that location back along the path.
 */
function resolveLocations(doc: Y.Doc, byClient: Map<number, Y.Item[]>, findIncoming: (id: Y.ID) => Y.Item | null): Map<Y.Item, Located | null> {
  const located = new Map<Y.Item, Located | null>();
  for (const list of byClient.values()) {
    for (const start of list) {
      if (located.has(start)) continue;
      const path: Y.Item[] = [];
      let current: Y.Item | null = start;
      let result: Located | null = null;
      while (current) {
        const cached = located.get(current);
        if (cached !== undefined) {
          result = cached;
          break;
        }
        path.push(current);
        const parent = current.parent as unknown;
        if (typeof parent === 'string') {
          result = { root: parent, key: current.parentSub };
          break;
        }
        const ref = current.origin ?? current.rightOrigin;
        if (!ref) break;
        const next = findIncoming(ref);
        if (!next) {
          result = docLocation(doc, ref);
          break;
        }
        if (path.includes(next)) break; // cycles were refused already; be safe anyway
        current = next;
      }
      for (const s of path) located.set(s, result);
    }
  }
  return located;
}

/** The root and key of an item already in the doc; null for GC'd or nested items. */
function docLocation(doc: Y.Doc, id: Y.ID): Located | null {
  if (id.clock >= Y.getState(doc.store, id.client)) return null;
  const item = Y.getItem(doc.store, id);
  if (!(item instanceof Y.Item) || !(item.parent instanceof Y.AbstractType) || item.parent._item !== null) return null;
  const root = rootName(doc, item.parent);
  return root === null ? null : { root, key: item.parentSub };
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
