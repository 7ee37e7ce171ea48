/**
 * What Alice and Bob do in every lab case, through the UI by role and accessible name:
 * Alice registers and creates a conversation, Bob opens her invite link and registers, and
 * they exchange messages, or a file.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { attach, downloadedHash, sendAttached, sha256 } from '../../helpers/file-page.js';
import type { Scene } from './scene.js';

/** Alice creates a conversation; Bob joins it through the invite link. Resolves when Bob's conversation is open. */
export async function meet({ alice, bob }: Scene, origin: string): Promise<void> {
  await alice.start(origin);
  const invite = await alice.newConversation();
  await bob.open(invite);
  await bob.register();
  await bob.log.waitFor();
}

/** Milliseconds, on the Node clock (one kernel clock for every namespace). */
export interface PingPong {
  /** From just before Alice's Send click until her message renders on Bob's screen. */
  readonly delivered: number;
  /** From just before Bob's Send click (as soon as he saw hers) until his answer renders on Alice's screen. */
  readonly answered: number;
  /**
   * The first reply as the two people experience it, less Bob's own typing time:
   * `delivered + answered`. This is what the "first reply within N s" bounds apply to.
   */
  readonly reply: number;
  /** When Alice clicked Send (epoch ms), to place the pages' recorded events. */
  readonly startedAt: number;
}

/**
 * Alice sends `ping` at once, Bob answers `pong` as soon as it renders. Each leg is timed
 * from just before the Send click to the moment Playwright sees the text rendered, so
 * Playwright's polling (tens of ms) counts against the app, never for it.
 */
export async function pingPong({ alice, bob }: Scene, timeoutMs: number, tag = ''): Promise<PingPong> {
  const deadline = performance.now() + timeoutMs;
  const leg = async (from: Scene['alice'], to: Scene['alice'], text: string): Promise<number> => {
    const start = performance.now();
    await from.send(text);
    await to.waitForMessage(text, Math.max(1, deadline - performance.now()));
    return Math.round(performance.now() - start);
  };
  const startedAt = Date.now();
  const delivered = await leg(alice, bob, `ping${tag}`);
  const answered = await leg(bob, alice, `pong${tag}`);
  return { delivered, answered, reply: delivered + answered, startedAt };
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

/**
 * Alice sends a small file and Bob's app downloads it by itself; resolves (with when Alice
 * clicked Send, epoch ms) once Bob saved it byte for byte. The link's first file: its first
 * get opens the link's bulk connection (docs/architecture.md §14.2).
 */
export async function shareFile({ alice, bob }: Scene, timeoutMs: number): Promise<number> {
  const bytes = randomBytes(512 * 1024);
  await attach(alice, 'lab.bin', 'application/octet-stream', bytes);
  const sentAt = Date.now();
  await sendAttached(alice);
  expect(await downloadedHash(bob, 'lab.bin', timeoutMs)).toBe(sha256(bytes));
  return sentAt;
}
