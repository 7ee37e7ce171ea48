/**
 * docs/protocol.md §1: "a stock y-webrtc client works against the server".
 * Two unmodified y-webrtc WebrtcProviders, each in its own Node process with
 * @roamhq/wrtc, meet through the server and sync a Y.Text over WebRTC. The last edit is
 * made after the server has shut down, so it can only have travelled peer to peer.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { LineProcess } from '../../helpers/signaling-process.js';
import { startTestServer, waitUntil, type TestServer } from '../../helpers/signaling-server.js';

interface PeerEvent {
  readonly event: 'ready' | 'peers' | 'text';
  readonly webrtcPeers?: number;
  readonly bcPeers?: number;
  readonly text?: string;
}

const PEER_SCRIPT = 'tests/helpers/signaling-ywebrtc-peer.ts';
let t: TestServer | undefined;
const peers: LineProcess[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.kill();
  await t?.close();
  t = undefined;
});

const parse = (line: string): PeerEvent | undefined => {
  try {
    return JSON.parse(line) as PeerEvent;
  } catch {
    return undefined; // y-webrtc/simple-peer may print their own lines
  }
};

const waitFor = (peer: LineProcess, what: string, match: (e: PeerEvent) => boolean): Promise<string> =>
  peer.waitForLine((line) => {
    const e = parse(line);
    return e !== undefined && match(e);
  }, what);

describe('stock y-webrtc against the Parley signaling server', () => {
  it('two WebrtcProviders find each other through /signal and sync a Y.Text over WebRTC', async () => {
    const server = await startTestServer();
    t = server;
    const signalingUrl = `ws://localhost:${server.server.port}/signal`;
    const room = `compat-${randomUUID()}`;
    // Start B only once A has subscribed: if both announce at once, both dial, and
    // y-webrtc's own glare handling then sometimes never connects (not a server issue).
    const a = LineProcess.spawnTsx(PEER_SCRIPT, [signalingUrl, room]);
    peers.push(a);
    await waitUntil(() => server.server.stats().topics === 1, 'A to subscribe', 20_000);
    const b = LineProcess.spawnTsx(PEER_SCRIPT, [signalingUrl, room]);
    peers.push(b);

    // Each side reports exactly one connected WebRTC peer and no BroadcastChannel peer.
    const connected = (e: PeerEvent): boolean => e.event === 'peers' && e.webrtcPeers === 1;
    const [peersA, peersB] = await Promise.all([waitFor(a, 'a WebRTC peer on A', connected), waitFor(b, 'a WebRTC peer on B', connected)]);
    expect(parse(peersA)?.bcPeers).toBe(0);
    expect(parse(peersB)?.bcPeers).toBe(0);
    expect(server.server.metrics.publishes).toBeGreaterThan(0);
    expect(server.server.metrics.messagesRelayed).toBeGreaterThan(server.server.metrics.publishes);

    a.send({ cmd: 'insert', text: 'hello from A' });
    await waitFor(b, 'A’s text on B', (e) => e.event === 'text' && e.text === 'hello from A');
    b.send({ cmd: 'insert', text: ', hi from B' });
    await waitFor(a, 'B’s text on A', (e) => e.event === 'text' && e.text === 'hello from A, hi from B');

    // With the signaling server gone, only the WebRTC data channel is left.
    await server.close();
    t = undefined;
    a.send({ cmd: 'insert', text: ' (signaling is down)' });
    await waitFor(b, 'a post-shutdown edit on B', (e) => e.event === 'text' && e.text === 'hello from A, hi from B (signaling is down)');

    a.send({ cmd: 'exit' });
    b.send({ cmd: 'exit' });
    expect((await a.exited).code).toBe(0);
    expect((await b.exited).code).toBe(0);
  });
});
