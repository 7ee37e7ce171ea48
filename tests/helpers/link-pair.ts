/**
 * Two PeerLinks over a manual-flush path (memory-transport.ts), recording what the second
 * receives and how either closes: the setup of the peer-link unit tests.
 */
import type { Frame } from '../../src/net/framing.js';
import { PeerLink } from '../../src/net/peer-link.js';
import { transportPair, type MemoryTransport } from './memory-transport.js';

export interface LinkPair {
  readonly a: PeerLink;
  readonly b: PeerLink;
  readonly ta: MemoryTransport;
  readonly tb: MemoryTransport;
  /** Frames `b` received, in order. */
  readonly got: Frame[];
  /** "a: reason" / "b: reason" per close. */
  readonly closes: string[];
}

/** A link from `a` to `b` over one path of `kind`, not opened yet. */
export function linkPair(kind: 'direct' | 'relay' = 'relay'): LinkPair {
  const [ta, tb] = transportPair(kind);
  const a = new PeerLink(ta);
  const b = new PeerLink(tb);
  const got: Frame[] = [];
  const closes: string[] = [];
  b.on('frame', (f) => got.push(f));
  for (const [name, link] of [['a', a], ['b', b]] as const) link.on('close', (reason) => closes.push(`${name}: ${reason}`));
  return { a, b, ta, tb, got, closes };
}
