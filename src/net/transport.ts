/**
 * The seam between the sync engine and WebRTC (automerge-repo's NetworkAdapterInterface
 * idea, one level down): a reliable, ordered, message-oriented pipe to one remote session.
 * simple-peer implements it in browsers and in Node (with @roamhq/wrtc); tests can use a
 * manual-flush pair.
 */
export interface PeerTransportEvents {
  /** The pipe is open and `send` may be called. */
  onOpen?: () => void;
  /** One message as the remote sent it. */
  onMessage?: (bytes: Uint8Array) => void;
  /** `bufferedAmount` fell to or below `lowWaterMark`. */
  onDrain?: () => void;
  /** The pipe is gone for good; called once. */
  onClose?: (reason: string) => void;
}

export interface PeerTransport {
  /** Sends one message (at most 16 KiB from the framing layer). */
  send(bytes: Uint8Array): void;
  /** Bytes queued but not yet handed to the network. */
  readonly bufferedAmount: number;
  /** Threshold at which `onDrain` fires. */
  lowWaterMark: number;
  /**
   * DTLS certificate fingerprints of both ends, for binding membership proofs to this
   * connection. Empty strings when the stack does not expose them.
   */
  fingerprints(): { readonly local: string; readonly remote: string };
  close(): void;
  events: PeerTransportEvents;
}

/** Extracts "sha-256 AB:CD:…" from an SDP blob; '' when absent. */
export function sdpFingerprint(sdp: string | undefined | null): string {
  if (!sdp) return '';
  const match = /^a=fingerprint:(\S+) (\S+)/m.exec(sdp);
  return match ? `${match[1]!.toLowerCase()} ${match[2]!.toUpperCase()}` : '';
}
