/**
 * A stock y-webrtc peer in its own Node process, driven by the y-webrtc compatibility
 * test. y-webrtc keeps a process-wide room map (one provider per room name per
 * process), so two peers of one room need two processes; that also rules out any
 * in-process shortcut, so a synced document proves the data went over WebRTC.
 *
 * Usage: tsx tests/helpers/signaling-ywebrtc-peer.ts <signalingUrl> <room>
 * stdin, JSON lines:  {"cmd":"insert","text":"…"} | {"cmd":"exit"}
 * stdout, JSON lines: {"event":"ready"} | {"event":"peers","webrtcPeers":n,"bcPeers":n}
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
provider.on('peers', (e: { webrtcPeers: string[]; bcPeers: string[] }) => {
  emit({ event: 'peers', webrtcPeers: e.webrtcPeers.length, bcPeers: e.bcPeers.length });
});
text.observe(() => emit({ event: 'text', text: text.toString() }));

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line) as { cmd: 'insert'; text: string } | { cmd: 'exit' };
  if (cmd.cmd === 'insert') {
    text.insert(text.length, cmd.text);
  } else {
    provider.destroy();
    doc.destroy();
    // wrtc's native threads can keep the loop alive; the parent only needs the exit code.
    setTimeout(() => process.exit(0), 50);
  }
});
emit({ event: 'ready' });
