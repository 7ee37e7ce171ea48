/**
 * What a scripted Node member can say about its links, for a test that waited in vain for it
 * to connect (docs/architecture.md §13): each link as the mesh holds it, each conversation's
 * topic (the epoch it is on) and how many links sync it, and the peer's newest log lines (a
 * link that ended, and why, is said there). The Node side of `page-diagnosis.ts`.
 *
 * It reaches into the mesh's private parts on purpose: it is read once, after a failure. It
 * never throws.
 */
import type { NodePeer } from './node-peer.js';

export function diagnosePeer(peer: NodePeer, label: string): string {
  type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const out: Record<string, unknown> = { at: new Date().toISOString(), signaling: peer.signaling.status };
  try {
    const mesh = peer.mesh as Any;
    out.links = [...(mesh.entries as Map<string, Any>).values()].map((entry: Any) => {
      const link = entry.link;
      return {
        remote: String(entry.remote).slice(0, 8),
        device: String(entry.device).slice(0, 8),
        phase: entry.machine.phase,
        attachedRooms: entry.machine.attachedRooms().length,
        open: link.isOpen,
        closed: link.isClosed,
        // The path this side sends on and the one the remote's stream is read from (§5.4).
        send: link.sendPath?.kind ?? null,
        receive: link.recvPath?.kind ?? null,
        paths: [...link.paths.keys()].map((p: Any) => `${p.kind}${p.isOpen ? '' : p.isClosed ? ' (closed)' : ' (opening)'} buffered ${p.bufferedAmount}`),
        queuedBytes: link.queuedBytes,
      };
    });
    out.rooms = [...(mesh.rooms as Map<string, Any>).values()].map((room: Any) => ({
      topic: String(room.keys.topic).slice(0, 8),
      peerCount: room.sync.peerCount,
      seen: room.seen.size,
    }));
  } catch (error) {
    out.error = String(error);
  }
  const log = peer.recentLog;
  const parts = Object.entries(out).map(([part, value]) => `\n  ${part}: ${JSON.stringify(value)}`).join('');
  return `[${label}] ${parts}\n  log (newest ${log.length} lines):${log.map((line) => `\n    ${line}`).join('')}`;
}
