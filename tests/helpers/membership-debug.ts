/**
 * A readable dump of what each device believes about a conversation's membership, printed
 * by membership tests when a wait times out (so a failure says which device is behind).
 */
import type { ConversationSession } from '../../src/client/conversation-session.js';

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
