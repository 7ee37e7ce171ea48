/**
 * Signing what a device writes into a document. Events and map records carry the Yjs item
 * id they occupy (`c`, `k`) inside the signed bytes: a copy placed anywhere else, or under
 * someone else's client id, no longer verifies. Events also chain to their author's
 * previous event by hash, so a late joiner checks one signature per chain tip and a hash
 * per event instead of 100k signatures.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { asBufferSource, toBase64Url } from '../bytes.js';
import type { ConversationEvent, UnsignedEvent } from '../events.js';
import type { DeviceId } from '../ids.js';
import { canonicalBytes, Domains, hashInput } from './canonical.js';
import { signBytes } from './keys.js';

/**
 * The Yjs item id a signed value occupies, and the nonce that binds its client id to the
 * signing device (`core/authorship/client-id.ts`).
 */
export interface Placement {
  readonly c: number;
  readonly k: number;
  readonly n: string;
}

export async function signEvent(event: UnsignedEvent, place: Placement, prev: string, key: CryptoKey): Promise<ConversationEvent> {
  const body = { ...event, c: place.c, k: place.k, n: place.n, prev };
  return { ...body, sig: await signBytes(key, canonicalBytes(Domains.event, body)) } as ConversationEvent;
}

export const eventSignedBytes = (event: ConversationEvent): Uint8Array =>
  canonicalBytes(Domains.event, event as unknown as Record<string, unknown>);

/** 43-character base64url SHA-256 of the whole event, signature included. */
export const eventHash = (event: ConversationEvent): string =>
  toBase64Url(sha256(hashInput(Domains.event, event as unknown as Record<string, unknown>)));

/**
 * Digests in flight at once in `eventHashes`: enough to keep WebCrypto's threads busy, few
 * enough that a 100k history's inputs are not all alive at once.
 */
const HASH_BATCH = 2048;
/** Fewer events than this are hashed in JavaScript, on this thread (`eventHashes`). */
const FEW_EVENTS = 64;

/**
 * `eventHash` of every event, in order, through WebCrypto. A late joiner hashes every event
 * of the history (core/authorship/chain.ts); one at a time in JavaScript that was 2.5 s of
 * a 100k-message join's main thread, while WebCrypto digests a batch on its own threads
 * (3–5× less time in Chromium, docs/architecture.md §5.6). Same bytes, same hash.
 */
export async function eventHashes(events: readonly ConversationEvent[]): Promise<string[]> {
  // A live message is one event: hashed here in microseconds, where a digest on WebCrypto's
  // threads is a round trip to them on every message's way to the screen.
  if (events.length < FEW_EVENTS) return events.map(eventHash);
  const out = new Array<string>(events.length);
  for (let start = 0; start < events.length; start += HASH_BATCH) {
    const end = Math.min(events.length, start + HASH_BATCH);
    const digests: Promise<ArrayBuffer>[] = [];
    for (let i = start; i < end; i++) {
      digests.push(crypto.subtle.digest('SHA-256', asBufferSource(hashInput(Domains.event, events[i] as unknown as Record<string, unknown>))));
    }
    const done = await Promise.all(digests);
    for (let j = 0; j < done.length; j++) out[start + j] = toBase64Url(new Uint8Array(done[j]!));
  }
  return out;
}

/** A value in one of a document's maps, signed by the device (or identity) that wrote it. */
export interface SignedRecord extends Placement {
  /** What the record is, e.g. 'member', 'read', 'meta', 'revocation'. */
  readonly type: string;
  /** Device that wrote it. */
  readonly by: DeviceId;
  readonly at: number;
  readonly sig: string;
}

/** A record before placement and signing: the common fields plus its own. */
export type RecordBody = Omit<SignedRecord, 'c' | 'k' | 'n' | 'sig'> & Record<string, unknown>;

export async function signRecord<T extends Omit<SignedRecord, 'c' | 'k' | 'n' | 'sig'>>(body: T, place: Placement, key: CryptoKey): Promise<T & SignedRecord> {
  const placed = { ...body, c: place.c, k: place.k, n: place.n };
  return { ...placed, sig: await signBytes(key, canonicalBytes(Domains.record, placed)) } as T & SignedRecord;
}

export const recordSignedBytes = (record: SignedRecord): Uint8Array =>
  canonicalBytes(Domains.record, record as unknown as Record<string, unknown>);
