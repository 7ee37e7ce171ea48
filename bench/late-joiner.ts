/**
 * Row group 2: how long a member who joins late takes to receive a long history, Parley
 * versus stock y-webrtc holding the same messages.
 *
 * Parley: Alice seeds n messages, Bob opens her invite in a fresh context. Measured in Bob's
 * page from RoomSync's `parley:sync-start` mark (the data channel is up and membership is
 * proven) until his timeline holds all n messages and the newest is rendered. RoomSync's
 * other marks split that time into phases (stderr).
 *
 * The mailbox is held unreachable for Bob (his requests are stalled, never answered):
 * otherwise he may fetch the history from the server before the data channel opens, and
 * this row is about the peer-to-peer sync. Catching up through the mailbox is a row of its
 * own. Stalling rather than failing the requests keeps the app from retrying. Alice's reads
 * are stalled too, but her appends go through: adding Bob starts a new epoch, and a device
 * moves its room to the new epoch's topic only once the record that starts it reached the
 * old mailbox (docs/architecture.md §7.2, "Moving to a new epoch's mailbox"). With her
 * appends stalled as well, Alice stayed on the old topic and Bob waited alone on the new
 * one: the row timed out (120 s) on every run from then on.
 *
 * y-webrtc sends the whole state as one data-channel message; over 256 KiB Chromium refuses
 * it and the error is swallowed, so it is expected never to sync.
 */
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { startAppServer } from '../tests/helpers/app-server.js';
import { launchChromium } from '../tests/helpers/browser.js';
import { MAILBOX_PATH } from '../src/core/wire/mailbox.js';
import type { ParleyUser } from '../tests/helpers/parley-user.js';
import { newPage, newUser } from './browser.js';
import { bundleFixture } from './bundle.js';
import { html, script, startFixtureServer } from './fixture-server.js';
import type { BenchGroup } from './group.js';
import { progress } from './log.js';
import { waitForQuietMachine } from './machine.js';
import { marks, openTopic, PARLEY_DOM, shownAt, shownAtScript, storedUpdates, waitForTimeline } from './page-probes.js';
import { formatBytes, formatCount, formatMs, formatRatio } from './stats.js';
import type { Row } from './table.js';
import { docDatabaseName } from '../src/store/doc-store.js';

const SIZES = [
  { count: 10_000, goalMs: 1_000, goal: '≤ 1 s' },
  { count: 100_000, goalMs: 3_000, goal: '≤ 3 s' },
] as const;
const BASELINE_TIMEOUT_MS = 30_000;
const metricFor = (count: number): string => `Late joiner receives ${formatCount(count / 1000)}k messages`;

/** The phases RoomSync marks, in order, and the page that marks each. */
const PHASES = [
  ['step 1 to Alice', 'alice', 'step1-received'],
  ['encode step 2 (Alice)', 'alice', 'step2-queued'],
  ['transfer', 'bob', 'step2-received'],
  ['authorize (signatures, hash chains, schema)', 'bob', 'step2-checked'],
  ['apply + timeline fold', 'bob', 'step2-applied'],
] as const;

/**
 * Stalls the mailbox requests of `context` (all of them, or only its reads with
 * `appends: 'through'`) until the returned release function runs.
 */
async function holdMailbox(context: BrowserContext, appends: 'held' | 'through' = 'held'): Promise<() => Promise<void>> {
  const held: Route[] = [];
  await context.route(`**${MAILBOX_PATH}/**`, (route) => {
    if (appends === 'through' && route.request().method() !== 'GET') return void route.continue();
    held.push(route);
  });
  return async () => {
    for (const route of held.splice(0)) await route.abort().catch(() => {});
  };
}

/** Milliseconds from Bob's sync start to all `count` messages rendered; `prepare` runs on each user first. */
export async function parleyLateJoiner(browser: Browser, appUrl: string, count: number, prepare: (user: ParleyUser) => Promise<void> = async () => {}): Promise<number> {
  const alice = await newUser(browser, 'Alice');
  const bob = await newUser(browser, 'Bob');
  await prepare(alice);
  await prepare(bob);
  const release = [await holdMailbox(alice.context, 'through'), await holdMailbox(bob.context)];
  try {
    await alice.start(appUrl);
    const invite = await alice.newConversation();
    await alice.seedMessages(count);
    await waitForTimeline(alice.page, count);
    const topic = await openTopic(alice.page);
    const stored = await storedUpdates(alice.page, docDatabaseName(topic));
    progress(`  Parley ${formatCount(count)}: Alice's doc is ${formatBytes(stored.bytes)} in IndexedDB (what step 2 carries, give or take)`);
    await waitForQuietMachine(1.5, 15_000);

    await bob.context.addInitScript(shownAtScript(PARLEY_DOM, `message ${count}`, count));
    await bob.open(invite);
    await bob.register();
    await bob.page.waitForFunction(() => (window as unknown as { benchShownAt?: number }).benchShownAt !== undefined, null, { timeout: 120_000, polling: 200 });
    const done = (await shownAt(bob.page))!.epoch;

    const all = [...(await marks(alice.page, 'parley:')).map((m) => ({ ...m, page: 'alice' })), ...(await marks(bob.page, 'parley:')).map((m) => ({ ...m, page: 'bob' }))];
    // RoomSync marks carry the room's topic, which is the current epoch's (adding Bob started
    // a new one), not the conversation id of the route: the room is the one Bob started to
    // sync on and Alice answered on.
    const startPrefix = 'parley:sync-start';
    const suffix = all
      .filter((m) => m.page === 'bob' && m.name.startsWith(`${startPrefix}:`))
      .map((m) => m.name.slice(startPrefix.length))
      .find((s) => all.some((m) => m.page === 'alice' && m.name === `parley:step1-received${s}`));
    if (suffix === undefined) throw new Error('no room that Bob started to sync and Alice answered');
    const first = (page: string, phase: string): number => {
      const found = all.filter((m) => m.page === page && m.name === `parley:${phase}${suffix}`);
      if (found.length === 0) throw new Error(`${page} never marked parley:${phase}`);
      if (found.length > 1) progress(`  note: ${page} marked parley:${phase} ${found.length} times (resync); using the first`);
      return found[0]!.at;
    };
    const start = first('bob', 'sync-start');
    const split: string[] = [];
    let previous = start;
    for (const [label, page, phase] of PHASES) {
      const at = first(page, phase);
      split.push(`${label} ${formatMs(at - previous)}`);
      previous = at;
    }
    split.push(`render ${formatMs(done - previous)}`);
    progress(`  Parley ${formatCount(count)}: ${formatMs(done - start)} = ${split.join(' + ')}`);
    return done - start;
  } finally {
    for (const r of release) await r();
    await alice.close();
    await bob.close();
  }
}

interface ChatWindow {
  benchChat: { start(url: string, room: string, list: HTMLElement): unknown };
  chat: {
    messages: { push(items: object[]): void; length: number };
    connected(): number;
    stateBytes(): number;
  };
}

async function chatPage(browser: Browser, url: string, name: string, signalUrl: string, room: string): Promise<Page> {
  const page = await newPage(browser, name);
  await page.goto(url);
  await page.evaluate(({ signalUrl, room }) => {
    const w = window as unknown as ChatWindow;
    w.chat = w.benchChat.start(signalUrl, room, document.getElementById('messages')!) as ChatWindow['chat'];
  }, { signalUrl, room });
  return page;
}

/** Returns the sync time in ms, or null when it did not sync within the timeout. */
async function ywebrtcLateJoiner(browser: Browser, pageUrl: string, signalUrl: string, count: number): Promise<number | null> {
  const room = `bench-late-${count}-${Date.now()}`;
  const a = await chatPage(browser, pageUrl, 'y-webrtc A', signalUrl, room);
  let b: Page | null = null;
  try {
    // The messages Parley's seedMessages writes (without Parley's signature fields), 1,000 per transaction.
    const bytes = await a.evaluate((count) => {
      const chat = (window as unknown as ChatWindow).chat;
      const start = Date.now() - count;
      for (let i = 0; i < count; i += 1000) {
        const batch: object[] = [];
        for (let j = i; j < Math.min(count, i + 1000); j++) {
          batch.push({ id: `seed${j.toString(36).padStart(8, '0')}`, kind: 'message', author: 'benchAliceDevice', at: start + j, text: `message ${j + 1}` });
        }
        chat.messages.push(batch);
      }
      return chat.stateBytes();
    }, count);
    progress(`  y-webrtc ${formatCount(count)}: doc state is ${formatBytes(bytes)} (one data-channel message; Chromium's limit is 256 KiB)`);
    await waitForQuietMachine(1.5, 15_000);

    b = await chatPage(browser, pageUrl, 'y-webrtc B', signalUrl, room);
    const result = await b.evaluate(
      async ({ count, timeoutMs }) => {
        const chat = (window as unknown as ChatWindow).chat;
        const now = (): number => performance.timeOrigin + performance.now();
        const connectBy = now() + timeoutMs;
        while (chat.connected() === 0) {
          if (now() > connectBy) return { connected: false, ms: null, received: chat.messages.length };
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const start = now();
        const newest = `message ${count}`;
        const done = (): boolean => chat.messages.length >= count && document.querySelector('#messages li:last-child')?.textContent === newest;
        while (!done()) {
          if (now() - start > timeoutMs) return { connected: true, ms: null, received: chat.messages.length };
          await new Promise((resolve) => requestAnimationFrame(resolve));
        }
        return { connected: true, ms: now() - start, received: chat.messages.length };
      },
      { count, timeoutMs: BASELINE_TIMEOUT_MS },
    );
    if (!result.connected) throw new Error('y-webrtc peers never connected through the Parley server');
    progress(`  y-webrtc ${formatCount(count)}: ${result.ms === null ? `did not sync in ${BASELINE_TIMEOUT_MS / 1000} s` : formatMs(result.ms)} (joiner holds ${formatCount(result.received)} messages)`);
    return result.ms;
  } finally {
    await a.context().close();
    await b?.context().close();
  }
}

export const lateJoinerGroup: BenchGroup = {
  name: 'late-joiner',
  rows: SIZES.map((s) => ({ metric: metricFor(s.count), goal: s.goal })),
  needsApp: true,
  needsQuiet: true,
  timeoutMs: 8 * 60_000,
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

    const note =
      'Parley: Alice seeds n messages (1,000 per append), Bob opens the invite in a fresh context; from Bob’s `parley:sync-start` mark to all n messages in his timeline and the newest one rendered (rAF poll). ' +
      'The mailbox is held unreachable for Bob (requests stalled; Alice’s reads stalled, her appends go through, so she can move to the epoch that adds Bob) so the history travels peer-to-peer; catching up through the mailbox is a separate measurement. ' +
      `y-webrtc: the same messages (id, kind, author, at, text; no signature fields) in one Y.Array, from the data channel opening to all n rendered, given ${BASELINE_TIMEOUT_MS / 1000} s.`;
    const rows: Row[] = [];
    for (const size of SIZES) {
      progress(`late joiner: ${formatCount(size.count)} messages, Parley`);
      const parley = await parleyLateJoiner(browser, app.url, size.count);
      progress(`late joiner: ${formatCount(size.count)} messages, y-webrtc`);
      const baseline = await ywebrtcLateJoiner(browser, `${fixtures.url}/chat.html`, app.server.signalUrl, size.count);
      rows.push({
        metric: metricFor(size.count),
        parley: formatMs(parley),
        baseline: baseline === null ? `did not sync in ${BASELINE_TIMEOUT_MS / 1000} s` : formatMs(baseline),
        ratio: formatRatio(parley, baseline),
        goal: size.goal,
        met: parley <= size.goalMs,
        note,
      });
    }
    return rows;
  },
};
