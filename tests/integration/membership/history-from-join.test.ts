/**
 * History visibility (docs/architecture.md §4.6), with real peers on the real stack: when a
 * group shows new members history from their join on, a joiner's timeline starts at the
 * join; with the default (full history) it holds everything.
 */
import { describe, expect, it } from 'vitest';
import { sessionTexts, useAppServer } from '../../helpers/use-app-server.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';

const app = useAppServer();


describe('history visibility', () => {
  it('a joiner of a "from their join" group sees only what came after; switching to full shows the rest', async () => {
    const peers: NodePeer[] = [];
    try {
      const [alice, bob] = await Promise.all(['Alice', 'Bob'].map((name) => NodePeer.register({ serverUrl: app.url, name, mailbox: true })));
      peers.push(alice!, bob!);
      const group = await alice!.client.createConversation('Plans');
      await group.group.setHistory('join');
      await group.send('before Bob joined');
      // Clocks tick in milliseconds: the add record must be dated after the message.
      await new Promise((r) => setTimeout(r, 5));
      const bobs = await bob!.join(group.inviteLink);
      await waitUntil(() => bobs.membership.isMember(bob!.account.identity.sign), 'Bob to be a member', 30_000);
      await group.send('after Bob joined');
      await waitUntil(() => sessionTexts(bobs).includes('after Bob joined'), 'the new message to reach Bob', 30_000);
      expect(sessionTexts(bobs)).toEqual(['after Bob joined']);
      // Alice, the creator, keeps everything.
      expect(sessionTexts(group)).toEqual(['before Bob joined', 'after Bob joined']);
      // Bob's own messages show, on both sides.
      await bobs.send('hello from Bob');
      await waitUntil(() => sessionTexts(group).includes('hello from Bob'), 'Bob to reach Alice', 30_000);
      expect(sessionTexts(bobs)).toEqual(['after Bob joined', 'hello from Bob']);

      // An admin changes the setting: the older history appears for Bob (its bytes were there).
      await group.group.setHistory('full');
      await waitUntil(() => sessionTexts(bobs).includes('before Bob joined'), 'the full history to show for Bob', 30_000);
      expect(sessionTexts(bobs)).toEqual(['before Bob joined', 'after Bob joined', 'hello from Bob']);
    } finally {
      await Promise.all(peers.map((p) => p.destroy()));
    }
  });
});
