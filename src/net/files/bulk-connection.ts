/**
 * A connection of its own for a link's bulk channel (docs/architecture.md §14.2, "The bulk
 * channel on a connection of its own"; docs/protocol.md §8.1).
 *
 * Why not a channel on the link's connection: every channel of one RTCPeerConnection shares
 * one SCTP association and one socket. Traced in the bench, a transfer's burst lost packets
 * in the browser (`packetsDiscardedOnSend`, 83–415 at a fetch's start), the association waited
 * out its retransmission timeout, and the texts on the link's own channel waited with the
 * file, 0.8–2.6 s. On a connection of its own the file's losses and timeouts are its own.
 *
 * How: both sides open a negotiated signalling channel on the link's connection (id
 * `BULK_SIGNAL_CHANNEL_ID`) and say hello on it. That channel runs inside the link's DTLS,
 * whose fingerprints the link's hello proved (§5.1), so the bulk connection's fingerprints in
 * its offer and answer are the proved peer's: no handshake of its own. A side that never
 * says hello (an older build, a Node peer) is sent nothing more and its bulk channel stays
 * unopened: chunks stay on the link's own channel.
 *
 * When: only once a file moves on the link (`want`: a get sent or heard), so a link that
 * carries only texts holds one connection, not two. The link's initiator offers then, and
 * needs no request from the other end: every get crosses the link, so the end that sends it
 * and the end that serves it learn of the file together. The other end answers any offer
 * when it comes: an older initiator, which offers as soon as it hears hello, still gets its
 * bulk connection at once, and an older answerer takes a later offer as it took an early one.
 */
import type { BulkLane } from './bulk-lane.js';

/** The link connection's negotiated channel that carries the bulk connection's offer, answer and candidates. */
export const BULK_SIGNAL_CHANNEL_ID = 1001;
/** No offer, answer or candidate is longer; a longer message ends the bulk connection. */
export const MAX_BULK_SIGNAL = 16 * 1024;

/** Candidates a side takes from the other. */
const MAX_CANDIDATES = 64;

type BulkSignal = { readonly t: 'hello' } | { readonly t: 'offer' | 'answer'; readonly sdp: string } | { readonly t: 'ice'; readonly candidate: RTCIceCandidateInit };

/** The bulk connection beside a link's connection, opened at the link's first file; closed with it. */
export interface BulkConnection {
  /** The connection, once a file moved on the link (null until then). */
  readonly pc: RTCPeerConnection | null;
  /** Its bulk channel, in the page's bulk worker (null until the connection is made). */
  readonly lane: BulkLane | null;
  /**
   * A file moves on the link: the initiator offers (once the remote said hello); the other
   * end waits for that offer. Called for every get; only the first counts.
   */
  want(): void;
  close(): void;
}

export interface BulkConnectionOptions {
  /** The link's connection, whose DTLS carries the signalling. */
  readonly link: RTCPeerConnection;
  /** The link's initiator offers. */
  readonly initiator: boolean;
  /** The link's own configuration (ICE servers, transport policy). */
  readonly config: RTCConfiguration;
  /**
   * Creates the bulk channel on a new connection and hands it to the bulk worker, in the task
   * that made the connection (`BulkHost.open`); null where it cannot (no worker).
   */
  readonly lane: (pc: RTCPeerConnection) => BulkLane | null;
}

/**
 * Creates the signalling channel now (before the link's offer or answer, on both sides, as
 * every build does) and the bulk connection only when a file first moves. Null where the
 * channel cannot be made (a closed link).
 */
export function openBulkConnection({ link, initiator, config, lane: openLane }: BulkConnectionOptions): BulkConnection | null {
  let signal: RTCDataChannel;
  try {
    signal = link.createDataChannel('parley-bulk-signal', { negotiated: true, id: BULK_SIGNAL_CHANNEL_ID, ordered: true });
  } catch {
    return null;
  }
  let pc: RTCPeerConnection | null = null;
  let lane: BulkLane | null = null;
  let closed = false;
  let described = false;
  let heardHello = false;
  /** A file moved before the remote's hello came: the initiator offers at the hello. */
  let wanted = false;
  const early: RTCIceCandidateInit[] = [];
  /** Candidates taken so far; a peer has a handful, more are ignored. */
  let candidates = 0;
  const close = (): void => {
    if (closed) return;
    closed = true;
    pc?.close();
    signal.close();
    // The worker's channel may not hear its connection close: the lane says it is gone.
    lane?.close();
  };
  const send = (message: BulkSignal): void => {
    if (closed || signal.readyState !== 'open') return;
    try {
      signal.send(JSON.stringify(message));
    } catch {
      close();
    }
  };
  /** The connection and its bulk channel, made in one task (a channel moves to a worker only before it dispatched anything). */
  const make = (): RTCPeerConnection | null => {
    if (closed) return null;
    if (pc) return pc;
    let made: RTCPeerConnection;
    try {
      made = new RTCPeerConnection(config);
    } catch {
      close();
      return null;
    }
    pc = made;
    lane = openLane(made);
    if (!lane) {
      close();
      return null;
    }
    made.addEventListener('icecandidate', (event) => {
      if (event.candidate) send({ t: 'ice', candidate: event.candidate.toJSON() });
    });
    return made;
  };
  const offer = async (): Promise<void> => {
    if (pc) return;
    const connection = make();
    if (!connection) return;
    await connection.setLocalDescription(await connection.createOffer());
    send({ t: 'offer', sdp: connection.localDescription!.sdp });
  };
  const describe = async (connection: RTCPeerConnection, sdp: RTCSessionDescriptionInit): Promise<void> => {
    await connection.setRemoteDescription(sdp);
    described = true;
    for (const candidate of early.splice(0)) await connection.addIceCandidate(candidate);
  };
  const heard = async (data: unknown): Promise<void> => {
    const message = parseSignal(data);
    if (!message) return close();
    if (message.t === 'hello') {
      if (heardHello) return close();
      heardHello = true;
      // Only a remote that speaks this gets an offer: nothing is sent to one that never says hello.
      if (initiator && wanted) await offer();
      return;
    }
    if (message.t === 'ice') {
      if (++candidates > MAX_CANDIDATES) return;
      if (described && pc) await pc.addIceCandidate(message.candidate);
      else early.push(message.candidate);
      return;
    }
    // Each side takes the one description it expects, once. The answerer answers whenever
    // the offer comes: an older initiator offers at hello, whatever this side needs.
    if (message.t === 'offer' && !initiator && !pc) {
      const connection = make();
      if (!connection) return;
      await describe(connection, { type: 'offer', sdp: message.sdp });
      await connection.setLocalDescription(await connection.createAnswer());
      send({ t: 'answer', sdp: connection.localDescription!.sdp });
      return;
    }
    if (message.t === 'answer' && initiator && pc?.signalingState === 'have-local-offer') return describe(pc, { type: 'answer', sdp: message.sdp });
    close();
  };
  signal.addEventListener('message', (event) => {
    heard(event.data).catch(() => close());
  });
  signal.addEventListener('close', close);
  const hello = (): void => send({ t: 'hello' });
  if (signal.readyState === 'open') hello();
  else signal.addEventListener('open', hello, { once: true });
  return {
    get pc() {
      return pc;
    },
    get lane() {
      return lane;
    },
    want(): void {
      if (closed || pc || !initiator) return;
      wanted = true;
      if (heardHello) offer().catch(() => close());
    },
    close,
  };
}

/** A signalling message from the network, size-capped and checked field by field; null if it is anything else. */
export function parseSignal(data: unknown): BulkSignal | null {
  if (typeof data !== 'string' || data.length > MAX_BULK_SIGNAL) return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (m.t === 'hello' && Object.keys(m).length === 1) return { t: 'hello' };
  if ((m.t === 'offer' || m.t === 'answer') && typeof m.sdp === 'string' && Object.keys(m).length === 2) return { t: m.t, sdp: m.sdp };
  if (m.t === 'ice' && Object.keys(m).length === 2 && typeof m.candidate === 'object' && m.candidate !== null) {
    const c = m.candidate as Record<string, unknown>;
    if (typeof c.candidate !== 'string') return null;
    if (c.sdpMid !== undefined && c.sdpMid !== null && typeof c.sdpMid !== 'string') return null;
    if (c.sdpMLineIndex !== undefined && c.sdpMLineIndex !== null && typeof c.sdpMLineIndex !== 'number') return null;
    if (c.usernameFragment !== undefined && c.usernameFragment !== null && typeof c.usernameFragment !== 'string') return null;
    return { t: 'ice', candidate: { candidate: c.candidate, sdpMid: (c.sdpMid as string | null | undefined) ?? null, sdpMLineIndex: (c.sdpMLineIndex as number | null | undefined) ?? null, ...(typeof c.usernameFragment === 'string' ? { usernameFragment: c.usernameFragment } : {}) } };
  }
  return null;
}
