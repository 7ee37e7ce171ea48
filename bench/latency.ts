/**
 * Row group 1: send → render latency between two isolated browser contexts, Parley versus
 * stock y-webrtc, both signaling through the same Parley server.
 *
 * The sender's page takes `performance.timeOrigin + performance.now()` right before it hands
 * the text to the app; the receiver's page takes the same clock in a MutationObserver when
 * the message's DOM node appears. Parley and the baseline send in alternating blocks, so a
 * burst of load on the shared machine hits both rather than one.
 */
import type { Browser, Page } from 'playwright-core';
import { startAppServer } from '../tests/helpers/app-server.js';
import { launchChromium } from '../tests/helpers/browser.js';
import type { ParleyUser } from '../tests/helpers/parley-user.js';
import { newPage, newUser } from './browser.js';
import { bundleFixture } from './bundle.js';
import { html, script, startFixtureServer } from './fixture-server.js';
import type { BenchGroup } from './group.js';
import { progress } from './log.js';
import { BASELINE_DOM, PARLEY_DOM, seenTimes, watchRenders, type MessageDom } from './page-probes.js';
import { formatMs, formatRatio, percentile, sleep } from './stats.js';
import type { Row } from './table.js';

const WARMUP = 20;
const MEASURED = 200;
const BLOCK = 50;
const SPACING_MS = 25;
const GOAL = 'p50 ≤ 16 ms and p99 ≤ 50 ms, and no worse than y-webrtc';
/** A message not in the receiver's DOM by then counts as never rendered (infinite latency). */
const RENDER_TIMEOUT_MS = 5_000;
const P50 = 'Send → render latency, p50';
const P99 = 'Send → render latency, p99';

export interface Pair {
  readonly label: string;
  readonly kind: 'parley' | 'ywebrtc';
  readonly sender: Page;
  readonly receiver: Page;
  readonly dom: MessageDom;
}

/** Alice and Bob in a conversation; `prepare` runs on each new user before it opens the app. */
export async function parleyPair(browser: Browser, appUrl: string, prepare: (user: ParleyUser) => Promise<void> = async () => {}, label = 'Parley'): Promise<Pair> {
  const alice = await newUser(browser, 'Alice');
  await prepare(alice);
  const bob = await newUser(browser, 'Bob');
  await prepare(bob);
  return linkPair(alice, bob, appUrl, label);
}

/**
 * Alice registers on `appUrl` and starts a conversation, Bob opens its invite (rewritten by
 * `inviteFor`, e.g. onto another origin) and registers, and each sees the other: Alice sends.
 */
export async function linkPair(alice: ParleyUser, bob: ParleyUser, appUrl: string, label: string, inviteFor: (invite: string) => string = (invite) => invite): Promise<Pair> {
  await alice.start(appUrl);
  const invite = await alice.newConversation();
  await bob.open(inviteFor(invite));
  await bob.register();
  await alice.waitForPeers(1);
  await bob.waitForPeers(1);
  return { label, kind: 'parley', sender: alice.page, receiver: bob.page, dom: PARLEY_DOM };
}

async function ywebrtcPair(browser: Browser, pageUrl: string, signalUrl: string): Promise<Pair> {
  const room = `bench-latency-${Date.now()}`;
  const pages: Page[] = [];
  for (const name of ['A', 'B']) {
    const page = await newPage(browser, `y-webrtc ${name}`);
    await page.goto(pageUrl);
    await page.evaluate(
      ({ signalUrl, room }) => {
        const w = window as unknown as { chat: unknown; benchChat: { start(u: string, r: string, l: HTMLElement): unknown } };
        w.chat = w.benchChat.start(signalUrl, room, document.getElementById('messages')!);
      },
      { signalUrl, room },
    );
    pages.push(page);
  }
  for (const page of pages) {
    await page.waitForFunction(() => (window as unknown as { chat: { synced(): number } }).chat.synced() === 1, null, { timeout: 30_000 });
  }
  return { label: 'y-webrtc', kind: 'ywebrtc', sender: pages[0]!, receiver: pages[1]!, dom: BASELINE_DOM };
}

interface Sent {
  /** Right before the text was handed to the app. */
  readonly start: number;
  /** When the send call returned (Parley's returns a promise before signing completes). */
  readonly returned: number;
}

/** Sends `texts` from inside the sender's page on a fixed schedule; returns each send time. */
async function sendFromPage(pair: Pair, texts: readonly string[], spacing: number): Promise<Map<string, Sent>> {
  const sent = await pair.sender.evaluate(
    async ({ kind, texts, spacing }) => {
      let send: (text: string) => unknown;
      if (kind === 'parley') {
        const app = document.querySelector('parley-app') as unknown as { client: { get(id: string): { send(t: string): Promise<unknown> } | undefined } };
        const session = app.client.get(/^#\/c\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '');
        if (!session) throw new Error('no open conversation');
        send = (text) => session.send(text);
      } else {
        const chat = (window as unknown as { chat: { send(t: string): void } }).chat;
        send = (text) => chat.send(text);
      }
      const out: [string, number, number][] = [];
      const acks: unknown[] = [];
      const start = performance.now();
      for (let i = 0; i < texts.length; i++) {
        const text = texts[i]!;
        const t0 = performance.timeOrigin + performance.now();
        acks.push(send(text));
        out.push([text, t0, performance.timeOrigin + performance.now()]);
        // A fixed schedule, so a slow send does not stretch the gap after it.
        const wait = start + (i + 1) * spacing - performance.now();
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
      }
      // Parley resolves a send once it is durable; a failure there must not go unnoticed.
      await Promise.all(acks);
      return out;
    },
    { kind: pair.kind, texts: [...texts], spacing },
  );
  return new Map(sent.map(([text, start, returned]) => [text, { start, returned }]));
}

/**
 * Diagnostics only (stderr): when each message reached the receiver's timeline, to split
 * Parley's latency into transport + apply versus rendering.
 */
export async function watchTimeline(page: Page, prefix: string): Promise<void> {
  await page.evaluate((prefix) => {
    const app = document.querySelector('parley-app') as unknown as {
      client: { get(id: string): { on(e: 'changed', f: () => void): void; timeline: { last(): { text: string } | undefined } } | undefined };
    };
    const session = app.client.get(/^#\/c\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '');
    if (!session) throw new Error('no open conversation');
    const seen = new Map<string, number>();
    (window as unknown as { benchInTimeline: Map<string, number> }).benchInTimeline = seen;
    session.on('changed', () => {
      const now = performance.timeOrigin + performance.now();
      const text = session.timeline.last()?.text ?? '';
      if (text.startsWith(prefix) && !seen.has(text)) seen.set(text, now);
    });
  }, prefix);
}

async function timelineTimes(page: Page): Promise<Map<string, number>> {
  return new Map(await page.evaluate(() => [...(window as unknown as { benchInTimeline: Map<string, number> }).benchInTimeline]));
}

/** Per-message phases, for the stderr breakdown. */
export interface Sample {
  /** Epoch ms right before the sender handed the text to the app. */
  readonly start: number;
  readonly total: number;
  /** Synchronous send call on the sender. */
  readonly sendCall: number;
  /** Parley only: send start → in the receiver's timeline. */
  readonly toTimeline: number | null;
}

/** Sends one block, a text every `spacing` ms, and returns each message's latency, in milliseconds. */
export async function runBlock(pair: Pair, prefix: string, count: number, spacing = SPACING_MS): Promise<Sample[]> {
  const texts = Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`);
  const sent = await sendFromPage(pair, texts, spacing);
  const deadline = Date.now() + RENDER_TIMEOUT_MS;
  let seen = await seenTimes(pair.receiver, texts);
  while (seen.size < texts.length && Date.now() < deadline) {
    await sleep(100);
    seen = await seenTimes(pair.receiver, texts);
  }
  const inTimeline = pair.kind === 'parley' ? await timelineTimes(pair.receiver) : new Map<string, number>();
  if (seen.size < texts.length) {
    const arrived = pair.kind === 'parley' ? `; ${texts.filter((t) => inTimeline.has(t)).length} of them reached the receiver’s timeline` : '';
    progress(`  ${pair.label}: ${texts.length - seen.size} of ${texts.length} messages not in the receiver’s DOM after ${RENDER_TIMEOUT_MS / 1000} s${arrived}`);
  }
  return texts.map((t) => {
    const s = sent.get(t)!;
    const tl = inTimeline.get(t);
    const shown = seen.get(t);
    return { start: s.start, total: shown === undefined ? Infinity : shown - s.start, sendCall: s.returned - s.start, toTimeline: tl === undefined ? null : tl - s.start };
  });
}

/** A percentile cell; a percentile that falls on a message that never rendered says so. */
export function latencyCell(value: number, samples: readonly number[]): string {
  if (Number.isFinite(value)) return formatMs(value);
  return `never: ${samples.filter((s) => !Number.isFinite(s)).length} of ${samples.length} messages not rendered`;
}

export function describe(label: string, samples: readonly Sample[]): void {
  const totals = samples.map((s) => s.total).filter(Number.isFinite);
  if (totals.length < samples.length) progress(`latency ${label}: ${samples.length - totals.length} of ${samples.length} messages never rendered; figures below are of the rest`);
  const pct = (xs: number[]): string => `p50 ${formatMs(percentile(xs, 50))}, p99 ${formatMs(percentile(xs, 99))}`;
  progress(`latency ${label}: min ${formatMs(Math.min(...totals))}, p50 ${formatMs(percentile(totals, 50))}, p90 ${formatMs(percentile(totals, 90))}, p95 ${formatMs(percentile(totals, 95))}, p99 ${formatMs(percentile(totals, 99))}, max ${formatMs(Math.max(...totals))}`);
  progress(`  ${label} send call until it returns: ${pct(samples.map((s) => s.sendCall))}`);
  const toTimeline = samples.flatMap((s) => (s.toTimeline === null ? [] : [s.toTimeline]));
  if (toTimeline.length > 0) {
    const toDom = samples.flatMap((s) => (s.toTimeline === null || !Number.isFinite(s.total) ? [] : [s.total - s.toTimeline]));
    progress(`  ${label} send → receiver timeline: ${pct(toTimeline)}; timeline → DOM: ${pct(toDom)}`);
  }
}

export const latencyGroup: BenchGroup = {
  name: 'latency',
  rows: [
    { metric: P50, goal: GOAL },
    { metric: P99, goal: GOAL },
  ],
  needsApp: true,
  needsQuiet: true,
  timeoutMs: 5 * 60_000,
  async run(ctx) {
    const app = await startAppServer({ staticDir: ctx.appDir });
    ctx.defer(() => app.close());
    const fixtures = await startFixtureServer({
      '/chat.html': html('<ul id="messages"></ul><script src="/chat.js"></script>'),
      '/chat.js': script(await bundleFixture('bench/fixtures/y-webrtc-chat.ts', 'benchChat')),
    });
    ctx.defer(() => fixtures.close());
    const browser = await launchChromium();
    ctx.defer(() => browser.close());

    progress('latency: connecting two Parley users and two y-webrtc peers');
    const pairs = [await parleyPair(browser, app.url), await ywebrtcPair(browser, `${fixtures.url}/chat.html`, app.server.signalUrl)];
    for (const pair of pairs) await watchRenders(pair.receiver, pair.dom, 'bench ');
    await watchTimeline(pairs[0]!.receiver, 'bench ');

    for (const pair of pairs) await runBlock(pair, `bench warmup ${pair.kind}`, WARMUP);
    const samples = new Map<Pair, Sample[]>(pairs.map((p) => [p, []]));
    for (let block = 0; block < MEASURED / BLOCK; block++) {
      for (const pair of pairs) {
        samples.get(pair)!.push(...(await runBlock(pair, `bench ${pair.kind} block ${block}`, BLOCK)));
      }
      progress(`latency: ${(block + 1) * BLOCK} of ${MEASURED} messages sent by each`);
    }

    for (const pair of pairs) describe(pair.label, samples.get(pair)!);
    const [parley, baseline] = pairs.map((p) => samples.get(p)!.map((s) => s.total)) as [number[], number[]];
    const p = { p50: percentile(parley, 50), p99: percentile(parley, 99) };
    const b = { p50: percentile(baseline, 50), p99: percentile(baseline, 99) };
    const note =
      `${MEASURED} messages per side after ${WARMUP} warm-up, ${SPACING_MS} ms apart, in alternating blocks of ${BLOCK} (Parley, y-webrtc, …). ` +
      'Two isolated contexts in one Chromium; sender clock read right before the text is handed to the app (`session.send` / `Y.Array.push`), ' +
      'receiver clock read by a MutationObserver on the message list’s (shadow) root when the node appears. ' +
      'Baseline: stock y-webrtc chat page (one Y.Array, each message appended as an `<li>`) signaling through the same Parley server. ' +
      `A message not in the receiver’s DOM ${RENDER_TIMEOUT_MS / 1000} s after it was sent counts as never rendered (infinite latency).`;
    // Each row judges its own percentile: under its absolute bound and no worse than y-webrtc's.
    const rows: Row[] = [
      { metric: P50, parley: latencyCell(p.p50, parley), baseline: latencyCell(b.p50, baseline), ratio: formatRatio(p.p50, b.p50), goal: GOAL, met: p.p50 <= 16 && p.p50 <= b.p50, note },
      { metric: P99, parley: latencyCell(p.p99, parley), baseline: latencyCell(b.p99, baseline), ratio: formatRatio(p.p99, b.p99), goal: GOAL, met: p.p99 <= 50 && p.p99 <= b.p99, note },
    ];
    return rows;
  },
};
