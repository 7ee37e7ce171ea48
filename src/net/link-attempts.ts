/**
 * Link attempts (docs/architecture.md §5.3, "Attempts"; docs/protocol.md §4). Signals and
 * relay offers reach a link by remote device and session, and two sessions may make several
 * connection attempts one after the other: a late answer or ICE candidate of an attempt that
 * failed, delivered to the next attempt's peer connection, broke it. So each attempt has an id,
 * made by the side that starts it (the initiator of the glare rule, the only side that ever
 * starts one), carried by every signal and relay offer of the attempt, both ways; a receiver
 * hands a message only to the link of its attempt. Pure: the mesh asks, and does what it says.
 */
import { randomBytes, toBase64Url } from '../core/bytes.js';
import type { RendezvousMessage } from './rendezvous/rendezvous-message.js';

/** 16 random bytes, base64url: two attempts never share one. */
export type AttemptId = string;

export const newAttemptId = (): AttemptId => toBase64Url(randomBytes(16));

/**
 * What to do with a signal or relay offer from a remote session:
 * - `deliver`: it is for this side's current link to that session;
 * - `open`: it starts an attempt and there is no link: open one, answering, for its attempt;
 * - `replace`: it starts another attempt than the current link's, which the remote therefore
 *   gave up (it starts one only once its previous link ended): close that link, open another;
 * - `stale`: it belongs to an attempt that is not the current link's, or there is no link and
 *   it cannot start one (an answer, a candidate, or anything from the session that answers).
 */
export type SignalRoute = 'deliver' | 'open' | 'replace' | 'stale';

type LinkSignal = Extract<RendezvousMessage, { t: 'signal' | 'relay' }>;

/**
 * The route of `message` given this side's current link to its sender (undefined: none) and
 * whether the sender is the side that starts attempts. A message or link without an attempt
 * id comes from, or was started by, a build before attempts: it is routed as those builds did
 * (to the current link, or opening one when the sender initiates).
 */
export function routeSignal(link: { readonly attempt: AttemptId | undefined } | undefined, message: LinkSignal, remoteInitiates: boolean): SignalRoute {
  const starts = remoteInitiates && (message.attempt === undefined || startsAttempt(message));
  if (!link) return starts ? 'open' : 'stale';
  if (message.attempt === undefined || link.attempt === undefined || message.attempt === link.attempt) return 'deliver';
  return starts ? 'replace' : 'stale';
}

/**
 * Whether a message can be the first of an attempt: the offer, or a relay offer (an initiator
 * whose offer signal was lost may reach the other side through the relay first).
 */
const startsAttempt = (message: LinkSignal): boolean => message.t === 'relay' || (message.signal as { type?: unknown }).type === 'offer';

/** A short description of a dropped message for the log (what it was, and both attempts). */
export function describeStale(message: LinkSignal, link: { readonly attempt: AttemptId | undefined } | undefined): string {
  const what = message.t === 'relay' ? 'relay offer' : String((message.signal as { type?: unknown }).type ?? 'candidate').slice(0, 16);
  const tail = (id: AttemptId | undefined): string => (id === undefined ? 'none' : `…${id.slice(-6)}`);
  return `${what} (its attempt ${tail(message.attempt)}, ${link ? `this link's ${tail(link.attempt)}` : 'no link'})`;
}
