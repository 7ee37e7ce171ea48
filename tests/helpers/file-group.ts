/**
 * Three Node peers, Alice, Bob and Carol, in one group with the app's `ClientFiles` each
 * following it: the common start of the integration tests of files and membership. Peers
 * carry writes through the mailbox, so a member who missed a membership change still learns
 * it. Call `destroy()` in a `finally`.
 */
import type { ClientFiles } from '../../src/client/files/client-files.js';
import type { ConversationSession } from '../../src/client/conversation-session.js';
import type { AppServer } from './app-server.js';
import { NodePeer, waitUntil } from './node-peer.js';

export interface FileGroup {
  /** Alice, Bob, Carol. */
  readonly peers: readonly NodePeer[];
  /** Their files, in the same order. */
  readonly files: readonly ClientFiles[];
  /** The group as each of them has it, in the same order (Alice created it). */
  readonly sessions: readonly ConversationSession[];
  destroy(): Promise<void>;
}

/** Registers the three, makes the group and waits until Carol is a member on Alice's and Bob's side. */
export async function fileGroup(app: AppServer, makeFiles: (peer: NodePeer, index: number) => ClientFiles): Promise<FileGroup> {
  const peers = await Promise.all(['Alice', 'Bob', 'Carol'].map((name) => NodePeer.register({ serverUrl: app.url, name, mailbox: true })));
  const files = peers.map((p, i) => makeFiles(p, i).start());
  const destroy = async (): Promise<void> => {
    for (const f of files) f.destroy();
    await Promise.all(peers.map((p) => p.destroy()));
  };
  try {
    const [alice, bob, carol] = peers as [NodePeer, NodePeer, NodePeer];
    const group = await alice.client.createConversation('Files');
    const bobs = await bob.join(group.inviteLink);
    const carols = await carol.join(group.inviteLink);
    const sessions = [group, bobs, carols];
    sessions.forEach((s, i) => files[i]!.follow(s));
    const carolIn = (s: ConversationSession): boolean => s.membership.isMember(carol.account.identity.sign);
    await waitUntil(() => carolIn(group) && carolIn(bobs), 'Carol to be a member everywhere', 90_000);
    return { peers, files, sessions, destroy };
  } catch (error) {
    await destroy();
    throw error;
  }
}
