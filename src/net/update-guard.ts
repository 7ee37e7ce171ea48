/**
 * Checks a Yjs update from a peer *before* it touches the document (ARCHITECTURE §1.3, §5).
 *
 * Stock Yjs integrates whatever it can parse, and some malformed updates leave a doc that
 * rejects later valid updates or cannot be encoded. So every update is fully decoded here
 * first (the lazy decoder does not touch the doc), then checked:
 * - structure: only plain values (ContentAny) and deletion markers, no subdocs, no nested
 *   types, no absurd clocks or lengths;
 * - schema: root types are only the ones the conversation schema defines;
 * - completeness: nothing depends on structs the doc does not have. Such an update would sit
 *   in Yjs' pending store indefinitely; instead the caller asks the peer for a fresh sync.
 */
import * as Y from 'yjs';
import { parseShardName } from '../core/conversation.js';

/** Clocks stay far below 2^53 and below anything a real conversation reaches. */
const MAX_CLOCK = 2 ** 40;
const FIXED_ROOTS = new Set(['members', 'meta', 'reads']);

export type GuardVerdict =
  | { readonly ok: true; readonly empty: boolean }
  | { readonly ok: false; readonly reason: 'malformed' | 'forbidden'; readonly detail: string }
  | { readonly ok: false; readonly reason: 'gap'; readonly detail: string };

const bad = (detail: string): GuardVerdict => ({ ok: false, reason: 'malformed', detail });
const forbidden = (detail: string): GuardVerdict => ({ ok: false, reason: 'forbidden', detail });

export const isSchemaRoot = (name: string): boolean => FIXED_ROOTS.has(name) || parseShardName(name) !== null;

export function checkUpdate(doc: Y.Doc, update: Uint8Array): GuardVerdict {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch (error) {
    return bad(`undecodable update: ${(error as Error).message}`);
  }
  const { structs, ds } = decoded;
  // What this update itself provides, per client: the clock just past its last struct.
  const provides = new Map<number, number>();
  for (const s of structs) {
    const { client, clock } = s.id;
    if (!Number.isSafeInteger(client) || client < 0) return bad('bad client id');
    if (!(s.length > 0) || clock + s.length > MAX_CLOCK) return bad('struct clock or length out of range');
    if (s instanceof Y.Skip) return { ok: false, reason: 'gap', detail: 'update contains a skip' };
    const end = provides.get(client);
    if (end === undefined) {
      if (clock > Y.getState(doc.store, client)) return { ok: false, reason: 'gap', detail: `client ${client} starts at ${clock}` };
    } else if (clock !== end) {
      return bad('structs of one client are not contiguous');
    }
    provides.set(client, clock + s.length);
    if (!(s instanceof Y.Item)) continue;
    const content = s.content;
    if (!(content instanceof Y.ContentAny) && !(content instanceof Y.ContentDeleted)) {
      return forbidden(`content type ${content.constructor.name} is not part of the schema`);
    }
    const parent = s.parent as unknown;
    if (parent !== null) {
      if (typeof parent !== 'string') return forbidden('nested types are not part of the schema');
      if (!isSchemaRoot(parent)) return forbidden(`unknown root type "${parent.slice(0, 80)}"`);
      const isMapRoot = FIXED_ROOTS.has(parent);
      if (isMapRoot !== (s.parentSub !== null)) return forbidden('map/array shape does not match the schema');
    }
  }
  // Dependencies may point at any client of this update, so check once all are known.
  for (const s of structs) {
    if (!(s instanceof Y.Item)) continue;
    for (const dep of [s.origin, s.rightOrigin]) {
      if (dep && !hasStruct(doc, provides, dep)) return { ok: false, reason: 'gap', detail: 'depends on a missing struct' };
    }
  }
  for (const [client, ranges] of ds.clients) {
    if (!Number.isSafeInteger(client) || client < 0) return bad('bad client id in delete set');
    for (const r of ranges) {
      if (!(r.len > 0) || r.clock < 0 || r.clock + r.len > MAX_CLOCK) return bad('delete range out of range');
    }
  }
  return { ok: true, empty: structs.length === 0 && ds.clients.size === 0 };
}

function hasStruct(doc: Y.Doc, provides: Map<number, number>, id: Y.ID): boolean {
  if (id.clock < Y.getState(doc.store, id.client)) return true;
  const end = provides.get(id.client);
  return end !== undefined && id.clock < end;
}
