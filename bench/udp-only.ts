/**
 * Node peers of a bench group link over UDP only: every TCP ICE candidate a peer receives is
 * dropped before it reaches @roamhq/wrtc, so no connection ever checks a TCP pair.
 *
 * Why: a group that runs a whole mesh in this one process (removal: 20 members, 380
 * connections) holds both ends of every link. libwebrtc gathers host candidates on every
 * address of the machine (here 127.0.0.1, ::1, 192.0.2.2, fd00::2, fe80::…), UDP and TCP, and
 * for each TCP pair it checks it opens a connection whose two ends are both descriptors of
 * this process. The bench's removal runs without this filter held 11–672 such connections;
 * a probe of 20 simple-peer pairs made at once in one process held 4,700–7,400 (up to 150 a
 * connection) and once ran out of its 20,000, while with TCP candidates dropped 40 pairs held
 * 4,700–5,300 descriptors in all, in three runs: TCP pairs are the part that runs away.
 * UDP over loopback always connects, and nothing the removal rows count (the epoch change,
 * data-channel bytes) goes through ICE.
 */
import { SimplePeerTransport } from '../src/net/simple-peer-transport.js';

/** Whether a simple-peer signal is a trickled ICE candidate for TCP. */
export function isTcpCandidate(signal: unknown): boolean {
  if (typeof signal !== 'object' || signal === null) return false;
  const { type, candidate } = signal as { type?: unknown; candidate?: unknown };
  if (type !== 'candidate' || typeof candidate !== 'object' || candidate === null) return false;
  const line = (candidate as { candidate?: unknown }).candidate;
  // "candidate:<foundation> <component> <transport> <priority> <address> <port> typ …"
  return typeof line === 'string' && line.split(' ')[2]?.toLowerCase() === 'tcp';
}

/** Drops TCP candidates on their way into every SimplePeerTransport; returns the undo. */
export function udpOnly(): () => void {
  const signal = SimplePeerTransport.prototype.signal;
  SimplePeerTransport.prototype.signal = function (this: SimplePeerTransport, s: unknown) {
    if (isTcpCandidate(s)) return;
    signal.call(this, s);
  };
  return () => {
    SimplePeerTransport.prototype.signal = signal;
  };
}
