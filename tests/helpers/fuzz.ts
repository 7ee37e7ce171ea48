/**
 * Seeded mutation of Yjs updates for fuzzing the receive path. Deterministic: the same
 * seed gives the same cases, so a failure names the case that reproduces it.
 *
 * Two families of mutation:
 * - byte level (bit flips, random bytes, inserts, deletes, truncation, duplicated slices,
 *   splices of two updates, runs of 0xff that make varints extreme);
 * - structure aware: decode the update, lie about one thing a peer controls (client ids,
 *   clocks, origins, parents, map keys, client blocks, the delete set, a value), and encode
 *   it again byte by byte (fuzz-updates.ts). These reach the authorizer's semantic checks,
 *   which random bytes almost never get past the decoder to.
 */
import * as Y from 'yjs';
import { craftUpdate, withProto, type CraftClient, type CraftDelete, type CraftId, type CraftStruct } from './fuzz-updates.js';

/** mulberry32: small, fast, and good enough to pick mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

export type ByteMutation = 'bitflip' | 'setbyte' | 'insert' | 'delete' | 'truncate' | 'duplicate' | 'splice' | 'varint';
export const BYTE_MUTATIONS: readonly ByteMutation[] = ['bitflip', 'setbyte', 'insert', 'delete', 'truncate', 'duplicate', 'splice', 'varint'];

/** One byte-level mutation of `input`; `other` feeds splices. Never returns `input` itself. */
export function mutateBytes(rng: Rng, kind: ByteMutation, input: Uint8Array, other: Uint8Array): Uint8Array {
  const u = input.slice();
  const n = u.length;
  const at = (): number => rng.int(Math.max(n, 1));
  switch (kind) {
    case 'bitflip': {
      for (let i = rng.range(1, 8); i > 0 && n > 0; i--) u[at()]! ^= 1 << rng.int(8);
      return u;
    }
    case 'setbyte': {
      const specials = [0, 1, 0x7f, 0x80, 0xff, 0x20, 0x40, 0x76, 0x77, 0x7d];
      for (let i = rng.range(1, 8); i > 0 && n > 0; i--) u[at()] = rng.next() < 0.5 ? rng.pick(specials) : rng.int(256);
      return u;
    }
    case 'insert': {
      const p = rng.int(n + 1);
      return concat(u.subarray(0, p), rng.bytes(rng.range(1, 16)), u.subarray(p));
    }
    case 'delete': {
      if (n === 0) return u;
      const p = at();
      const len = Math.min(rng.range(1, 16), n - p);
      return concat(u.subarray(0, p), u.subarray(p + len));
    }
    case 'truncate':
      return u.slice(0, rng.int(n));
    case 'duplicate': {
      if (n === 0) return u;
      const p = at();
      const slice = u.slice(p, Math.min(n, p + rng.range(1, 64)));
      const q = rng.int(n + 1);
      return concat(u.subarray(0, q), slice, u.subarray(q));
    }
    case 'splice': {
      const p = rng.int(n + 1);
      const q = rng.int(other.length + 1);
      return concat(u.subarray(0, p), other.subarray(q));
    }
    case 'varint': {
      // A run of continuation bytes makes any varint there huge (or overflow 53 bits).
      const p = at();
      const run = new Uint8Array(rng.range(3, 10)).fill(0xff);
      run[run.length - 1] = rng.pick([0x7f, 0x0f, 0x01]);
      return rng.next() < 0.5 ? concat(u.subarray(0, p), run, u.subarray(p + run.length)) : concat(u.subarray(0, p), run, u.subarray(p));
    }
  }
}

export type StructMutation =
  | 'swap-clients'
  | 'reuse-client'
  | 'shift-clock'
  | 'retarget-origin'
  | 'retarget-right'
  | 'reparent'
  | 'rekey'
  | 'split-block'
  | 'duplicate-block'
  | 'drop-struct'
  | 'delete-range'
  | 'value'
  | 'proto';
export const STRUCT_MUTATIONS: readonly StructMutation[] = [
  'swap-clients',
  'reuse-client',
  'shift-clock',
  'retarget-origin',
  'retarget-right',
  'reparent',
  'rekey',
  'split-block',
  'duplicate-block',
  'drop-struct',
  'delete-range',
  'value',
  'proto',
];

type MutableItem = { kind: 'item'; origin?: CraftId; rightOrigin?: CraftId; parent?: string; parentId?: CraftId; parentSub?: string; values: unknown[] };
type MutableStruct = MutableItem | { kind: 'gc'; length: number } | { kind: 'skip'; length: number };
interface MutableClient {
  client: number;
  clock: number;
  structs: MutableStruct[];
}

/** The update's structs in a form that can be edited and encoded again (null if it has none of ours). */
export function toCraft(update: Uint8Array): { clients: MutableClient[]; deletes: CraftDelete[] } | null {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return null;
  }
  const clients: MutableClient[] = [];
  let current: MutableClient | null = null;
  for (const s of decoded.structs) {
    if (!current || current.client !== s.id.client) {
      current = { client: s.id.client, clock: s.id.clock, structs: [] };
      clients.push(current);
    }
    if (s instanceof Y.Skip) current.structs.push({ kind: 'skip', length: s.length });
    else if (s instanceof Y.GC) current.structs.push({ kind: 'gc', length: s.length });
    else if (s.content instanceof Y.ContentAny) {
      const item: MutableItem = { kind: 'item', values: [...s.content.arr] };
      if (s.origin) item.origin = { client: s.origin.client, clock: s.origin.clock };
      if (s.rightOrigin) item.rightOrigin = { client: s.rightOrigin.client, clock: s.rightOrigin.clock };
      if (!s.origin && !s.rightOrigin) {
        if (typeof s.parent === 'string') item.parent = s.parent;
        else if (s.parent instanceof Y.ID) item.parentId = { client: s.parent.client, clock: s.parent.clock };
      }
      if (s.parentSub !== null) item.parentSub = s.parentSub;
      current.structs.push(item);
    } else return null;
  }
  const deletes: CraftDelete[] = [];
  for (const [client, ranges] of decoded.ds.clients) deletes.push({ client, ranges: ranges.map((r) => [r.clock, r.len] as const) });
  return { clients, deletes };
}

const itemsOf = (clients: MutableClient[]): MutableItem[] => clients.flatMap((c) => c.structs.filter((s): s is MutableItem => s.kind === 'item'));

/**
 * One structure-aware mutation. `ids` are item ids known to exist (in the receiver or the
 * corpus), `roots` plausible root names. Returns null when the update has nothing to mutate.
 */
export function mutateStructure(rng: Rng, kind: StructMutation, update: Uint8Array, ids: readonly CraftId[], roots: readonly string[], clientIds: readonly number[]): Uint8Array | null {
  const craft = toCraft(update);
  if (!craft) return null;
  const { clients } = craft;
  let deletes = craft.deletes.map((d) => ({ client: d.client, ranges: d.ranges.map((r) => [r[0], r[1]] as [number, number]) }));
  const items = itemsOf(clients);
  const anyId = (): CraftId => (rng.next() < 0.8 && ids.length > 0 ? rng.pick(ids) : { client: rng.pick(clientIds), clock: rng.int(64) });
  switch (kind) {
    case 'swap-clients': {
      if (clients.length < 2) return null;
      const a = rng.pick(clients);
      const b = rng.pick(clients);
      [a.client, b.client] = [b.client, a.client];
      break;
    }
    case 'reuse-client': {
      if (clients.length === 0) return null;
      rng.pick(clients).client = rng.pick(clientIds);
      break;
    }
    case 'shift-clock': {
      if (clients.length === 0) return null;
      const c = rng.pick(clients);
      c.clock = Math.max(0, c.clock + rng.pick([-3, -2, -1, 1, 2, 3, 1000]));
      break;
    }
    case 'retarget-origin': {
      if (items.length === 0) return null;
      const item = rng.pick(items);
      if (rng.next() < 0.15) delete item.origin;
      else {
        item.origin = anyId();
        delete item.parent;
        delete item.parentId;
      }
      break;
    }
    case 'retarget-right': {
      if (items.length === 0) return null;
      const item = rng.pick(items);
      if (rng.next() < 0.15) delete item.rightOrigin;
      else {
        item.rightOrigin = anyId();
        delete item.parent;
        delete item.parentId;
      }
      break;
    }
    case 'reparent': {
      if (items.length === 0) return null;
      const item = rng.pick(items);
      delete item.origin;
      delete item.rightOrigin;
      delete item.parentId;
      item.parent = rng.pick(roots);
      break;
    }
    case 'rekey': {
      if (items.length === 0) return null;
      const item = rng.pick(items);
      if (item.parentSub === undefined || rng.next() < 0.3) item.parentSub = rng.pick(['x', '__proto__', 'constructor', String(rng.int(1000))]);
      else delete item.parentSub;
      if (!item.origin && !item.rightOrigin && !item.parentId) item.parent ??= rng.pick(roots);
      break;
    }
    case 'split-block': {
      const c = clients.find((x) => x.structs.length > 1);
      if (!c) return null;
      const cut = rng.range(1, c.structs.length - 1);
      const tail = c.structs.splice(cut);
      const clock = c.clock + c.structs.reduce((n, s) => n + (s.kind === 'item' ? s.values.length : s.length), 0);
      clients.push({ client: c.client, clock, structs: tail });
      break;
    }
    case 'duplicate-block': {
      if (clients.length === 0) return null;
      const c = rng.pick(clients);
      clients.splice(rng.int(clients.length + 1), 0, { client: c.client, clock: c.clock + rng.pick([0, 0, 1, -1]), structs: [...c.structs] });
      break;
    }
    case 'drop-struct': {
      const c = clients.find((x) => x.structs.length > 1);
      if (!c) return null;
      c.structs.splice(rng.int(c.structs.length), 1);
      break;
    }
    case 'delete-range': {
      const target = anyId();
      const range: [number, number] = [target.clock, rng.pick([1, 1, 2, 5, 2 ** 20])];
      if (deletes.length > 0 && rng.next() < 0.3) deletes = [];
      else deletes.push({ client: target.client, ranges: [range] });
      break;
    }
    case 'value': {
      const withObjects = items.filter((i) => i.values.some((v) => typeof v === 'object' && v !== null));
      if (withObjects.length === 0) return null;
      const item = rng.pick(withObjects);
      const i = rng.int(item.values.length);
      const v = item.values[i];
      if (typeof v !== 'object' || v === null) return null;
      const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      const keys = Object.keys(copy);
      const key = rng.pick(keys.length > 0 ? keys : ['text']);
      copy[key] = rng.pick<unknown>(['tampered', 0, -1, 2 ** 53, null, undefined, [], {}, 'x'.repeat(20_000), Number.NaN]);
      item.values[i] = rng.next() < 0.1 ? rng.pick<unknown>([null, 1, 'str', [copy]]) : copy;
      break;
    }
    case 'proto': {
      const withObjects = items.filter((i) => i.values.some((v) => typeof v === 'object' && v !== null && !Array.isArray(v)));
      if (withObjects.length === 0) return null;
      const item = rng.pick(withObjects);
      const i = item.values.findIndex((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
      const own: Record<string, unknown> = { ...(item.values[i] as Record<string, unknown>) };
      const keys = Object.keys(own);
      const moved = rng.pick(keys);
      const proto: Record<string, unknown> = { [moved]: own[moved] };
      if (rng.next() < 0.5) delete own[moved];
      item.values[i] = withProto(own, proto);
      break;
    }
  }
  return craftUpdate(clients as CraftClient[], deletes);
}

export type { CraftStruct };
