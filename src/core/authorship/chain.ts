/**
 * Verifies many events of one device cheaply. Each event signs the hash of the device's
 * previous event, so an event whose hash is named by a verified later event is authentic
 * without its own signature check: a late joiner receiving 100k events from a handful of
 * devices checks a handful of signatures and 100k SHA-256 hashes. Events no verified event
 * vouches for (chain tips, forks from two tabs of one device, anything after a broken link)
 * have their own signatures checked — within a budget, a batch at a time, stopping at the
 * first failure, so an update of 100,000 unsigned tips costs one batch, not 100,000
 * verifications.
 */
import type { ConversationEvent } from '../events.js';
import { eventHashes, eventSignedBytes } from '../identity/signed.js';
import type { SignatureChecker } from './signature-budget.js';

/** Resolves to null when every event is authentic, else a reason. */
export async function verifyEventChain(events: readonly ConversationEvent[], devicePublic: string, checker: SignatureChecker, maxTips: number): Promise<string | null> {
  const n = events.length;
  if (n === 0) return null;
  const index = new Map<string, number>();
  const referenced = new Set<string>();
  const hashes = await eventHashes(events);
  for (let i = 0; i < n; i++) {
    index.set(hashes[i]!, i);
    const prev = events[i]!.prev;
    if (prev) referenced.add(prev);
  }
  const verified = new Uint8Array(n);
  const vouch = (from: number): void => {
    let prev = events[from]!.prev;
    while (prev) {
      const i = index.get(prev);
      if (i === undefined || verified[i]) return;
      verified[i] = 1;
      prev = events[i]!.prev;
    }
  };
  const checkOwn = async (indices: number[]): Promise<string | null> => {
    const failed = await checker.verifyAll(indices.map((i) => ({ key: devicePublic, sig: events[i]!.sig, bytes: () => eventSignedBytes(events[i]!) })));
    if (failed !== null) return failed === -1 ? 'too many signatures to check in one update' : `bad signature on event ${events[indices[failed]!]!.id}`;
    for (const i of indices) verified[i] = 1;
    for (const i of indices) vouch(i);
    return null;
  };
  const tips: number[] = [];
  for (const [hash, i] of index) if (!referenced.has(hash)) tips.push(i);
  if (tips.length > maxTips) return `${tips.length} unchained events from one device (at most ${maxTips})`;
  const tipError = await checkOwn(tips);
  if (tipError) return tipError;
  const rest: number[] = [];
  for (let i = 0; i < n; i++) if (!verified[i]) rest.push(i);
  return checkOwn(rest);
}
