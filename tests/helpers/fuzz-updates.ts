/**
 * Hand-made Yjs v1 updates, for tests that play a hostile peer. Yjs only encodes what a
 * document holds, so an update whose structs lie about their origins, parents or content
 * has to be written byte by byte. The layout follows yjs/src/utils/encoding.js
 * (`writeStructs`, `Item.write`) and lib0's `writeAny`.
 */
import * as encoding from 'lib0/encoding';

/** Item id in the update's own terms. */
export interface CraftId {
  readonly client: number;
  readonly clock: number;
}

export type CraftStruct =
  | {
      readonly kind: 'item';
      readonly origin?: CraftId;
      readonly rightOrigin?: CraftId;
      /** Root type name; written only when there is neither origin nor right origin. */
      readonly parent?: string;
      /** Nested parent (an item id); written like `parent` when set instead of it. */
      readonly parentId?: CraftId;
      /** Map key; written only with `parent`/`parentId`, flagged always. */
      readonly parentSub?: string;
      /** ContentAny values. Use `withProto` for objects with a `__proto__` entry. */
      readonly values: readonly unknown[];
    }
  | { readonly kind: 'gc'; readonly length: number }
  | { readonly kind: 'skip'; readonly length: number };

export interface CraftClient {
  readonly client: number;
  /** Clock of the first struct; the rest follow contiguously. */
  readonly clock: number;
  readonly structs: readonly CraftStruct[];
}

export interface CraftDelete {
  readonly client: number;
  readonly ranges: ReadonlyArray<readonly [clock: number, length: number]>;
}

const PROTO = Symbol('proto');

/**
 * An object that encodes with an extra `__proto__` key. lib0's `readAny` assigns keys with
 * `obj[key] = value`, so the receiver gets an object whose *prototype* is `proto`: its
 * fields read like own fields, but `Object.keys`, JSON and re-encoding do not see them.
 */
export function withProto(own: Record<string, unknown>, proto: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(Object.create(null) as Record<string, unknown>, own, { [PROTO]: proto });
}

function writeValue(encoder: encoding.Encoder, value: unknown): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)) {
    const obj = value as Record<string | symbol, unknown>;
    const proto = obj[PROTO];
    const keys = Object.keys(obj);
    encoding.write(encoder, 118);
    encoding.writeVarUint(encoder, keys.length + (proto === undefined ? 0 : 1));
    for (const key of keys) {
      encoding.writeVarString(encoder, key);
      writeValue(encoder, obj[key]);
    }
    if (proto !== undefined) {
      encoding.writeVarString(encoder, '__proto__');
      writeValue(encoder, proto);
    }
    return;
  }
  if (Array.isArray(value)) {
    encoding.write(encoder, 117);
    encoding.writeVarUint(encoder, value.length);
    for (const v of value) writeValue(encoder, v);
    return;
  }
  encoding.writeAny(encoder, value as never);
}

const CONTENT_ANY = 8;
const BIT8 = 0x80;
const BIT7 = 0x40;
const BIT6 = 0x20;

function writeStruct(encoder: encoding.Encoder, s: CraftStruct): void {
  if (s.kind === 'gc') {
    encoding.writeUint8(encoder, 0);
    encoding.writeVarUint(encoder, s.length);
    return;
  }
  if (s.kind === 'skip') {
    encoding.writeUint8(encoder, 10);
    encoding.writeVarUint(encoder, s.length);
    return;
  }
  const info = CONTENT_ANY | (s.origin ? BIT8 : 0) | (s.rightOrigin ? BIT7 : 0) | (s.parentSub !== undefined ? BIT6 : 0);
  encoding.writeUint8(encoder, info);
  if (s.origin) {
    encoding.writeVarUint(encoder, s.origin.client);
    encoding.writeVarUint(encoder, s.origin.clock);
  }
  if (s.rightOrigin) {
    encoding.writeVarUint(encoder, s.rightOrigin.client);
    encoding.writeVarUint(encoder, s.rightOrigin.clock);
  }
  if (!s.origin && !s.rightOrigin) {
    if (s.parentId) {
      encoding.writeVarUint(encoder, 0);
      encoding.writeVarUint(encoder, s.parentId.client);
      encoding.writeVarUint(encoder, s.parentId.clock);
    } else {
      encoding.writeVarUint(encoder, 1);
      encoding.writeVarString(encoder, s.parent ?? '');
    }
    if (s.parentSub !== undefined) encoding.writeVarString(encoder, s.parentSub);
  }
  encoding.writeVarUint(encoder, s.values.length);
  for (const v of s.values) writeValue(encoder, v);
}

/** Encodes structs and a delete set exactly as written, however inconsistent. */
export function craftUpdate(clients: readonly CraftClient[], deletes: readonly CraftDelete[] = []): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, clients.length);
  for (const c of clients) {
    encoding.writeVarUint(encoder, c.structs.length);
    encoding.writeVarUint(encoder, c.client);
    encoding.writeVarUint(encoder, c.clock);
    for (const s of c.structs) writeStruct(encoder, s);
  }
  encoding.writeVarUint(encoder, deletes.length);
  for (const d of deletes) {
    encoding.writeVarUint(encoder, d.client);
    encoding.writeVarUint(encoder, d.ranges.length);
    for (const [clock, len] of d.ranges) {
      encoding.writeVarUint(encoder, clock);
      encoding.writeVarUint(encoder, len);
    }
  }
  return encoding.toUint8Array(encoder);
}
