/**
 * What Alice and Bob do in every lab case, through the UI by role and accessible name:
 * Alice registers and creates a conversation, Bob opens her invite link and registers, and
 * they exchange messages.
 */
import type { Scene } from './scene.js';

/** Alice creates a conversation; Bob joins it through the invite link. Resolves when Bob's conversation is open. */
export async function meet({ alice, bob }: Scene, origin: string): Promise<void> {
  await alice.start(origin);
  const invite = await alice.newConversation();
  await bob.open(invite);
  await bob.register();
  await bob.log.waitFor();
}

/** Milliseconds from the moment Alice clicks Send. */
export interface PingPong {
  /** Until Alice's message is rendered on Bob's screen. */
  readonly delivered: number;
  /** Until Bob's answer (sent as soon as he sees hers) is rendered on Alice's screen. */
  readonly replied: number;
}

/**
 * Alice sends `ping`, Bob answers `pong` as soon as it renders. Measured from just before
 * Alice's Send click, with the Node clock; Playwright's polling adds a few tens of ms.
 */
export async function pingPong({ alice, bob }: Scene, timeoutMs: number, tag = ''): Promise<PingPong> {
  const start = performance.now();
  await alice.send(`ping${tag}`);
  await bob.waitForMessage(`ping${tag}`, timeoutMs);
  const delivered = performance.now() - start;
  await bob.send(`pong${tag}`);
  await alice.waitForMessage(`pong${tag}`, Math.max(1, timeoutMs - delivered));
  return { delivered: Math.round(delivered), replied: Math.round(performance.now() - start) };
}

/**
 * Alice and Bob each send `count` numbered messages at the same time, then wait (bounded)
 * until both timelines hold everything. Returns both timelines for exact comparison.
 */
export async function exchangeMany({ alice, bob }: Scene, count: number, timeoutMs: number): Promise<{ expected: string[]; alice: string[]; bob: string[] }> {
  const before = await alice.timelineTexts();
  const sent = (who: string): string[] => Array.from({ length: count }, (_, i) => `${who} ${i + 1}`);
  const sendAll = async (user: Scene['alice'], texts: readonly string[]): Promise<void> => {
    for (const text of texts) await user.send(text);
  };
  await Promise.all([sendAll(alice, sent('from Alice')), sendAll(bob, sent('from Bob'))]);
  const expected = [...before, ...sent('from Alice'), ...sent('from Bob')];
  const deadline = Date.now() + timeoutMs;
  let timelines = { alice: await alice.timelineTexts(), bob: await bob.timelineTexts() };
  while (Date.now() < deadline && (timelines.alice.length < expected.length || timelines.bob.length < expected.length)) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    timelines = { alice: await alice.timelineTexts(), bob: await bob.timelineTexts() };
  }
  // A doubled message would arrive late, after the originals: give it a moment to show.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return { expected, alice: await alice.timelineTexts(), bob: await bob.timelineTexts() };
}
