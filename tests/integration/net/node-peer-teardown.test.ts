/**
 * Tearing a Node peer down with @roamhq/wrtc (docs/architecture.md §12, "Teardown"): wrtc
 * delivers a closed connection's last events from its own threads after `close()` returns,
 * and a native connection or channel finalized, or a process ending, with one still pending
 * can crash the process. So every connection made through `loadWrtc` is held until it is
 * quiet, and `HeadlessPeer.destroy()` resolves only once its connections are.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { SimplePeerTransport } from '../../../src/net/simple-peer-transport.js';
import { heldConnections, loadWrtc, quiet } from '../../../src/node/wrtc.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';
import { useAppServer } from '../../helpers/use-app-server.js';

const app = useAppServer();

/**
 * Which of a connection's and its channels' closing events have been delivered so far: the
 * connection's change to closed (its connection or signaling state, whichever wrtc delivers;
 * a change queued before close() reads 'closed' too, so it counts once) and each channel's.
 */
function closingEvents(pc: RTCPeerConnection, channels: RTCDataChannel[]): () => string[] {
  const seen = new Set<string>();
  const changed = (): void => {
    if (pc.connectionState === 'closed' || pc.signalingState === 'closed') seen.add('connection closed');
  };
  pc.addEventListener('connectionstatechange', changed);
  pc.addEventListener('signalingstatechange', changed);
  for (const c of channels) c.addEventListener('close', () => seen.add(`channel ${c.label} closed`));
  return () => [...seen].sort();
}

describe('WebRTC teardown in Node', () => {
  it('holds a connection until wrtc has delivered its last events, then lets it go', async () => {
    const { RTCPeerConnection } = (await loadWrtc(silentLogger)) as { RTCPeerConnection: typeof globalThis.RTCPeerConnection };
    const before = heldConnections().length;
    const a = new RTCPeerConnection();
    const b = new RTCPeerConnection();
    // A candidate gathered late may reach a connection already closed: refused, and that is fine.
    a.onicecandidate = (e) => void (e.candidate && b.addIceCandidate(e.candidate).catch(() => undefined));
    b.onicecandidate = (e) => void (e.candidate && a.addIceCandidate(e.candidate).catch(() => undefined));
    const ours = a.createDataChannel('ours');
    const theirs = new Promise<RTCDataChannel>((resolve) => b.addEventListener('datachannel', (e) => resolve(e.channel)));
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);
    const received = await theirs;
    await waitUntil(() => ours.readyState === 'open' && received.readyState === 'open', 'both ends of the channel open');
    expect(heldConnections()).toEqual(expect.arrayContaining([a, b]));

    const seenA = closingEvents(a, [ours]);
    const seenB = closingEvents(b, [received]);
    a.close();
    // Closed as far as its getters tell, its last events still to come.
    expect(a.connectionState).toBe('closed');
    expect(seenA()).toEqual([]);
    await quiet(a);
    expect(seenA()).toEqual(['channel ours closed', 'connection closed']);
    b.close();
    await quiet(b);
    expect(seenB()).toEqual(['channel ours closed', 'connection closed']);
    expect(heldConnections()).toHaveLength(before);
  });

  it('destroy() resolves once every connection of the peers is quiet, and none is held after', async () => {
    const before = heldConnections();
    const [alice, bob] = await Promise.all(['Alice', 'Bob'].map((name) => NodePeer.register({ serverUrl: app.url, name })));
    const group = await alice!.client.createConversation('Teardown');
    const bobs = await bob!.join(group.inviteLink);
    await waitUntil(() => group.peerCount === 1 && bobs.peerCount === 1, 'Alice and Bob linked', 30_000);
    // Open ones only: a duplicate connection the mesh closed just now may have had its events.
    const theirs = heldConnections().filter((pc) => !before.includes(pc) && pc.connectionState !== 'closed');
    // At least Alice's end and Bob's end of their link.
    expect(theirs.length).toBeGreaterThanOrEqual(2);
    const seen = theirs.map((pc) => closingEvents(pc, []));
    await alice!.destroy();
    await bob!.destroy();
    for (const s of seen) expect(s()).toEqual(['connection closed']);
    expect(heldConnections()).toEqual(before);
  });

  // Generous, so that a connection never let go shows as this timeout, not as a hang.
  it('lets a connection go whose channel was never negotiated (a transport closed straight after it was made)', { timeout: 20_000 }, async () => {
    const wrtc = await loadWrtc(silentLogger);
    const before = heldConnections().length;
    // As DeferredTransport.adopt() does when its link closed while wrtc was loading.
    const transport = new SimplePeerTransport({ initiator: true, iceServers: [], wrtc, onSignal: () => undefined });
    const pc = transport.peerConnection;
    expect(heldConnections()).toContain(pc);
    transport.close();
    // wrtc never delivers 'close' for this channel; the connection is let go after a grace.
    await quiet(pc);
    expect(heldConnections()).toHaveLength(before);
  });
});
