/**
 * Two simple-peer transports over @roamhq/wrtc in one process (a real data channel over
 * loopback ICE), signals crossing a macrotask later as through the rendezvous. Their wrtc is
 * the one `src/node/wrtc.ts` hands out, so closing waits until wrtc is quiet
 * (docs/architecture.md §12, "Teardown") before the test or its worker moves on.
 */
import { SimplePeerTransport } from '../../src/net/simple-peer-transport.js';
import { allQuiet, loadWrtc } from '../../src/node/wrtc.js';
import { consoleLogger } from './node-peer.js';

const wrtc = await loadWrtc(consoleLogger);

export interface WrtcPair {
  readonly a: SimplePeerTransport;
  readonly b: SimplePeerTransport;
  /** Closes both ends and waits until their connections are quiet. */
  close(): Promise<void>;
}

export function wrtcPair(): WrtcPair {
  if (!wrtc) throw new Error('@roamhq/wrtc did not load');
  let b: SimplePeerTransport | null = null;
  const a = new SimplePeerTransport({ initiator: true, iceServers: [], wrtc, onSignal: (s) => setTimeout(() => b!.signal(s), 0) });
  b = new SimplePeerTransport({ initiator: false, iceServers: [], wrtc, onSignal: (s) => setTimeout(() => a.signal(s), 0) });
  // Taken now: simple-peer drops its connection as it closes it.
  const pcs = [a.peerConnection, b.peerConnection];
  const both = b;
  return {
    a,
    b: both,
    async close() {
      a.close();
      both.close();
      if (!(await allQuiet(pcs))) console.warn('wrtc connections still closing after 5 s');
    },
  };
}
