/**
 * A readable dump of what each device believes about a conversation's membership, printed
 * by membership tests when a wait times out (so a failure says which device is behind).
 */
import type { ConversationSession } from '../../src/client/conversation-session.js';
import type { NodePeer } from './node-peer.js';

export function describeMembership(sessions: Record<string, ConversationSession>): string {
  const out: string[] = [];
  for (const [name, s] of Object.entries(sessions)) {
    const st = s.membership.state;
    out.push(
      `${name}: in ${s.epoch} (current ${st.current?.id ?? 'none'}, heads ${st.heads.map((h) => h.id).join('+')}, merge ${st.needsMerge}) ` +
        `peers ${s.peerCount} ended ${s.ended ?? '-'} members ${st.members.size} records ${s.doc.getMap('epochs').size} ` +
        `shares ${[...st.epochs.values()].map((e) => `${e.id}:[${Object.keys(e.record?.shares ?? {}).map((d) => d.slice(0, 4)).join(',')}]`).join(' ')} me ${s.me.slice(0, 4)}`,
    );
  }
  return out.join('\n');
}

/**
 * Runs a scenario with Node peers: the peers it pushes are destroyed whatever happens, and
 * on failure the sessions it names are described, so the failure says which device is behind.
 */
export async function withPeers(run: (peers: NodePeer[], sessions: Record<string, ConversationSession>) => Promise<void>): Promise<void> {
  const peers: NodePeer[] = [];
  const sessions: Record<string, ConversationSession> = {};
  try {
    await run(peers, sessions);
  } catch (error) {
    console.log(describeMembership(sessions));
    throw error;
  } finally {
    await Promise.all(peers.map((p) => p.destroy()));
  }
}
