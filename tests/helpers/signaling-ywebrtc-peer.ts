/**
 * A stock y-webrtc peer in its own Node process, driven by the y-webrtc compatibility
 * test. y-webrtc keeps a process-wide room map (one provider per room name per
 * process), so two peers of one room need two processes; that also rules out any
 * in-process shortcut, so a synced document proves the data went over WebRTC.
 *
 * Usage: tsx tests/helpers/signaling-ywebrtc-peer.ts <signalingUrl> <room>
 * stdin, JSON lines:  {"cmd":"insert","text":"…"} | {"cmd":"exit"}
 * stdout, JSON lines: {"event":"ready"}
 *                     | {"event":"peers","webrtcPeers":n,"bcPeers":n} (n = connected peers)
 *                     | {"event":"text","text":"…"}
 */
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';

const [signalingUrl, room] = process.argv.slice(2);
if (signalingUrl === undefined || room === undefined) throw new Error('usage: signaling-ywebrtc-peer.ts <signalingUrl> <room>');

const emit = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

// lib0/websocket uses the global WebSocket, which Node 20 lacks.
Object.assign(globalThis, { WebSocket });
// lib0/broadcastchannel picks BroadcastChannel when it exists (Node has one). Remove it
// before y-webrtc loads so the only path between peers is WebRTC.
Reflect.deleteProperty(globalThis, 'BroadcastChannel');

const { default: wrtc } = await import('@roamhq/wrtc');
const Y = await import('yjs');
const { WebrtcProvider } = await import('y-webrtc');

const doc = new Y.Doc();
const text = doc.getText('t');
const provider = new WebrtcProvider(room, doc, { signaling: [signalingUrl], peerOpts: { wrtc }, filterBcConns: true });
// y-webrtc's 'peers' event fires when a connection is *created*, before its data channel
// opens, so report connections that are actually up by watching `connected`.
let reported = -1;
const watch = setInterval(() => {
  const conns = [...(provider.room?.webrtcConns.values() ?? [])];
  const connected = conns.filter((c) => c.connected).length;
  if (connected === reported) return;
  reported = connected;
  emit({ event: 'peers', webrtcPeers: connected, bcPeers: provider.room?.bcConns.size ?? 0 });
}, 20);
text.observe(() => emit({ event: 'text', text: text.toString() }));

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line) as { cmd: 'insert'; text: string } | { cmd: 'exit' };
  if (cmd.cmd === 'insert') {
    text.insert(text.length, cmd.text);
  } else {
    // Exit without provider.destroy(): closing wrtc RTCPeerConnections just before exit
    // segfaulted @roamhq/wrtc (exit 139) in 3 of 45 measured runs, plain exit in 0 of 90.
    // Process exit releases the connections and the signaling socket anyway.
    clearInterval(watch);
    process.exit(0);
  }
});
emit({ event: 'ready' });
