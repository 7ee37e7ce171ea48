/**
 * Alice and Bob as Node peers on the real server (node-peer.ts), contacts with their 1:1
 * open: Bob asks through Alice's contact link and she accepts. `laptopOf` links a second
 * device to one of them first (reaching the server at `laptopUrl`, e.g. a gateway a test
 * can cut); the chat is open on it too before this resolves.
 */
import type { Topic } from '../../src/core/ids.js';
import { NodePeer, waitUntil } from './node-peer.js';

export interface DirectChat {
  readonly alice: NodePeer;
  readonly bob: NodePeer;
  /** The device linked to `laptopOf`, if one was asked for. */
  readonly laptop: NodePeer | null;
  readonly topic: Topic;
}

/** Pushes every peer it makes onto `peers` at once, so the caller's cleanup stops them even when a step fails. */
export async function openDirectChat(serverUrl: string, peers: NodePeer[], { laptopOf, laptopUrl = serverUrl }: { laptopOf?: 'Alice' | 'Bob'; laptopUrl?: string } = {}): Promise<DirectChat> {
  const alice = await NodePeer.register({ serverUrl, name: 'Alice', mailbox: true });
  const bob = await NodePeer.register({ serverUrl, name: 'Bob', mailbox: true });
  peers.push(alice, bob);
  const laptop = laptopOf ? await NodePeer.linkTo(laptopOf === 'Alice' ? alice : bob, { serverUrl: laptopUrl, name: laptopOf, mailbox: true }) : null;
  if (laptop) peers.push(laptop);
  const bobId = bob.account.identity.sign;
  await bob.client.contacts.add(alice.client.contacts.link);
  await waitUntil(() => alice.client.contacts.get(bobId)?.state === 'incoming', "Alice to get Bob's request", 30_000);
  await alice.client.contacts.accept(bobId);
  const topic = alice.client.contacts.get(bobId)!.topic as Topic;
  await waitUntil(() => bob.client.get(topic)?.ready === true && (laptop === null || laptop.client.get(topic)?.ready === true), 'the chat to open on every device', 60_000);
  return { alice, bob, laptop, topic };
}
