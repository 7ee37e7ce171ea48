/**
 * Row group 3: time from opening a conversation that holds 100k messages to its newest
 * messages on screen, Parley versus the naive stock approach (one Y.Array in y-indexeddb,
 * load it all, render the newest 50).
 *
 * Both are measured in the page, from navigation start (`performance.timeOrigin`) to the
 * first animation frame in which the newest message's DOM node is present. Samples alternate
 * between the two, so a burst of load on the shared machine hits both.
 */
import type { Browser, Page } from 'playwright-core';
import { startAppServer } from '../tests/helpers/app-server.js';
import { launchChromium } from '../tests/helpers/browser.js';
import { ParleyUser } from '../tests/helpers/parley-user.js';
import { newPage, newUser } from './browser.js';
import { bundleFixture } from './bundle.js';
import { html, script, startFixtureServer } from './fixture-server.js';
import type { BenchGroup } from './group.js';
import { progress } from './log.js';
import { BASELINE_DOM, openTopic, PARLEY_DOM, shownAt, shownAtScript, storedUpdates, waitForTimeline } from './page-probes.js';
import { formatBytes, formatCount, formatMs, formatRatio, median, sleep } from './stats.js';
import { docDatabaseName } from '../src/store/doc-store.js';

const COUNT = 100_000;
const SAMPLES = 5;
const NEWEST = `message ${COUNT}`;
const METRIC = 'Open a 100k-message conversation → newest on screen';
const GOAL = '≤ 1 s';
const BASELINE_DB = 'bench-history';

/**
 * The first animation frame in which Parley's open timeline holds the whole history: how
 * long the full load takes (stderr), and when the page has gone quiet for the next sample.
 */
const FILLED_SCRIPT = `(() => {
  const tick = () => {
    const id = /^#\\/c\\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '';
    const timeline = document.querySelector('parley-app')?.client?.get(id)?.timeline;
    if (timeline && timeline.size >= ${COUNT}) window.benchFilledAt = performance.now();
    else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

async function seedParley(browser: Browser, appUrl: string): Promise<ParleyUser> {
  const alice = await newUser(browser, 'Alice');
  await alice.start(appUrl);
  await alice.newConversation();
  await alice.seedMessages(COUNT);
  await waitForTimeline(alice.page, COUNT);
  const stored = await storedUpdates(alice.page, docDatabaseName(await openTopic(alice.page)));
  progress(`  Parley: ${formatCount(COUNT)} messages stored as ${stored.count} y-indexeddb updates, ${formatBytes(stored.bytes)}`);
  await alice.context.addInitScript(shownAtScript(PARLEY_DOM, NEWEST));
  await alice.context.addInitScript(FILLED_SCRIPT);
  return alice;
}

async function seedBaseline(browser: Browser, pageUrl: string): Promise<Page> {
  const page = await newPage(browser, 'baseline');
  await page.goto(`${pageUrl}?seed`);
  await page.evaluate(async ({ count, database }) => {
    const history = (window as unknown as { benchHistory: { seed(n: string, c: number, b: number, m: (i: number) => object): Promise<void> } }).benchHistory;
    const start = Date.now() - count;
    // The messages Parley's seedMessages writes (without Parley's signature fields), 1,000 per transaction.
    await history.seed(database, count, 1000, (j) => ({ id: `seed${j.toString(36).padStart(8, '0')}`, kind: 'message', author: 'benchAliceDevice', at: start + j, text: `message ${j + 1}` }));
  }, { count: COUNT, database: BASELINE_DB });
  const stored = await storedUpdates(page, BASELINE_DB);
  progress(`  baseline: ${formatCount(COUNT)} messages stored as ${stored.count} y-indexeddb updates, ${formatBytes(stored.bytes)}`);
  await page.context().addInitScript(shownAtScript(BASELINE_DOM, NEWEST));
  return page;
}

/**
 * One measured open: navigate and read the in-page time to the newest message. With
 * `untilLoaded`, also wait for the whole history to reach the timeline: Parley may show
 * cached newest messages first and load the doc in the background, and that work must not
 * overlap the next sample.
 */
async function openOnce(page: Page, label: string, navigate: () => Promise<unknown>, untilLoaded: boolean): Promise<number> {
  await navigate();
  await page.waitForFunction(() => (window as unknown as { benchShownAt?: number }).benchShownAt !== undefined, null, { timeout: 60_000, polling: 100 });
  const at = (await shownAt(page))!.sinceNavigation;
  if (untilLoaded) await page.waitForFunction(() => (window as unknown as { benchFilledAt?: number }).benchFilledAt !== undefined, null, { timeout: 60_000, polling: 100 });
  const stages = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    return { domContentLoaded: nav?.domContentLoadedEventEnd ?? null, filled: (window as unknown as { benchFilledAt?: number }).benchFilledAt ?? null };
  });
  progress(
    `  ${label}: DOMContentLoaded ${formatMs(stages.domContentLoaded ?? Number.NaN)}` +
      `${stages.filled === null ? '' : `, timeline holds all at ${formatMs(stages.filled)}`}, newest on screen at ${formatMs(at)}`,
  );
  // Let the page's remaining writes (y-indexeddb appends an update on every load) settle.
  await sleep(1_000);
  return at;
}

export const openHistoryGroup: BenchGroup = {
  name: 'open-history',
  rows: [{ metric: METRIC, goal: GOAL }],
  needsApp: true,
  needsQuiet: true,
  timeoutMs: 6 * 60_000,
  async run(ctx) {
    const app = await startAppServer({ staticDir: ctx.appDir });
    ctx.defer(() => app.close());
    const fixtures = await startFixtureServer({
      '/history.html': html(
        '<ul id="messages"></ul><script src="/history.js"></script>' +
          `<script>if (!location.search.includes('seed')) benchHistory.open(${JSON.stringify(BASELINE_DB)}, document.getElementById('messages'));</script>`,
      ),
      '/history.js': script(await bundleFixture('bench/fixtures/y-indexeddb-history.ts', 'benchHistory')),
    });
    ctx.defer(() => fixtures.close());
    const browser = await launchChromium();
    ctx.defer(() => browser.close());

    progress(`open history: seeding ${formatCount(COUNT)} messages on each side`);
    const alice = await seedParley(browser, app.url);
    const baselinePage = await seedBaseline(browser, `${fixtures.url}/history.html`);

    const parley: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      parley.push(await openOnce(alice.page, `Parley open ${i + 1}`, () => alice.page.reload(), true));
      // The baseline has nothing left to load once its newest messages are on screen.
      baseline.push(await openOnce(baselinePage, `baseline open ${i + 1}`, () => (i === 0 ? baselinePage.goto(`${fixtures.url}/history.html`) : baselinePage.reload()), false));
    }
    // The measured opens must have loaded the whole history, not an empty or partial doc.
    await waitForTimeline(alice.page, COUNT, 30_000);

    const p = median(parley);
    const b = median(baseline);
    return [
      {
        metric: METRIC,
        parley: formatMs(p),
        baseline: formatMs(b),
        ratio: formatRatio(p, b),
        goal: GOAL,
        met: p <= 1_000,
        note:
          `Median of ${SAMPLES} opens each, alternating. Parley: reload of the conversation page of a user whose IndexedDB holds ${formatCount(COUNT)} messages. ` +
          'Baseline: a page that loads one 100k-entry Y.Array doc (the same messages: id, kind, author, at, text; no signature fields) from y-indexeddb and renders the newest 50 as `<li>`s. ' +
          'Both from navigation start to the first animation frame with the newest message’s DOM node present (rAF poll, ≤ 1 frame resolution). ' +
          'Where Parley shows cached newest messages before its doc has loaded, the next sample waits until the whole history is in its timeline (time on stderr).',
      },
    ];
  },
};
