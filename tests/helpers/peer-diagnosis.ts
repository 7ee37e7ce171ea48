/**
 * What a scripted Node member can say about its links, for a test that waited in vain for it
 * to connect (docs/architecture.md §13): its signaling state, its mesh's links and rooms
 * (`diagnosis.ts`, as a page reports its own) and its newest log lines (a link that ended,
 * and why, is said there). The Node side of `page-diagnosis.ts`. It never throws.
 */
import { describeMesh, formatDiagnosis, settled } from './diagnosis.js';
import type { NodePeer } from './node-peer.js';

export async function diagnosePeer(peer: NodePeer, label: string): Promise<string> {
  const out: Record<string, unknown> = { at: new Date().toISOString(), signaling: peer.signaling.status };
  try {
    Object.assign(out, await describeMesh(peer.mesh, settled));
  } catch (error) {
    out.error = String(error);
  }
  return formatDiagnosis(label, out, peer.recentLog);
}
