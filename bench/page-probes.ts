/**
 * In-page probes shared by the browser rows. Every timestamp is taken inside the pages as
 * `performance.timeOrigin + performance.now()`: all pages live in one browser, so these
 * clocks agree across pages, and no Playwright round trip sits inside a measurement.
 */
import type { Page } from 'playwright-core';

/** Where rendered message texts live: shadow hosts to descend through, then a selector. */
export interface MessageDom {
  readonly hosts: readonly string[];
  readonly selector: string;
}

/** Parley renders messages as `<p class="text">` inside nested shadow roots. */
export const PARLEY_DOM: MessageDom = { hosts: ['parley-app', 'parley-conversation', 'parley-message-list'], selector: 'article p.text' };
/** The baseline pages render plain `<li>`s. */
export const BASELINE_DOM: MessageDom = { hosts: [], selector: '#messages li' };

/**
 * Records when each message whose text starts with `prefix` first appears in the DOM: a
 * MutationObserver on the message container's (shadow) root, subtree included, takes the
 * time as the first thing in its callback. Read back with {@link seenTimes}.
 */
export async function watchRenders(page: Page, dom: MessageDom, prefix: string): Promise<void> {
  await page.evaluate(
    ({ hosts, selector, prefix }) => {
      let root: Document | ShadowRoot = document;
      for (const host of hosts) {
        const shadow: ShadowRoot | null | undefined = root.querySelector(host)?.shadowRoot;
        if (!shadow) throw new Error(`no shadow root at ${host}`);
        root = shadow;
      }
      const seen = new Map<string, number>();
      (window as unknown as { benchSeen: Map<string, number> }).benchSeen = seen;
      const scan = (): void => {
        const now = performance.timeOrigin + performance.now();
        for (const el of root.querySelectorAll(selector)) {
          const text = el.textContent ?? '';
          if (text.startsWith(prefix) && !seen.has(text)) seen.set(text, now);
        }
      };
      new MutationObserver(scan).observe(root, { childList: true, subtree: true, characterData: true });
      scan();
    },
    { hosts: [...dom.hosts], selector: dom.selector, prefix },
  );
}

/** First-render times recorded by {@link watchRenders}, for the given texts (missing ones left out). */
export async function seenTimes(page: Page, texts: readonly string[]): Promise<Map<string, number>> {
  const pairs = await page.evaluate((texts) => {
    const seen = (window as unknown as { benchSeen: Map<string, number> }).benchSeen;
    return texts.flatMap((t) => (seen.has(t) ? [[t, seen.get(t)!] as [string, number]] : []));
  }, texts);
  return new Map(pairs);
}

/**
 * A page script (for `addInitScript`) that polls once per animation frame, from the very
 * start of every document in the context, for a rendered message with exactly `text` —
 * and, with `minMessages`, for Parley's open timeline to hold at least that many messages —
 * then stores `performance.now()` (milliseconds since navigation start) in `benchShownAt`.
 * An observer cannot be attached before the app creates its shadow roots, hence the poll;
 * its resolution is one frame (~16.7 ms).
 */
export function shownAtScript(dom: MessageDom, text: string, minMessages = 0): string {
  const config = JSON.stringify({ hosts: dom.hosts, selector: dom.selector, text, minMessages });
  return `(() => {
    const { hosts, selector, text, minMessages } = ${config};
    const rendered = () => {
      let root = document;
      for (const host of hosts) {
        const shadow = root.querySelector(host)?.shadowRoot;
        if (!shadow) return false;
        root = shadow;
      }
      for (const el of root.querySelectorAll(selector)) if (el.textContent === text) return true;
      return false;
    };
    const timeline = () => {
      const id = /^#\\/c\\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '';
      return document.querySelector('parley-app')?.client?.get(id)?.timeline;
    };
    // Cheapest check first, so the poll costs next to nothing per frame while it waits.
    const bigEnough = () => minMessages === 0 || (timeline()?.size ?? 0) >= minMessages;
    const complete = () => minMessages === 0 || timeline().entries.filter((e) => e.kind === 'message').length >= minMessages;
    const tick = () => {
      if (bigEnough() && rendered() && complete()) window.benchShownAt = performance.now();
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })();`;
}

/** What {@link shownAtScript} recorded, or null if not yet. */
export async function shownAt(page: Page): Promise<{ sinceNavigation: number; epoch: number } | null> {
  return page.evaluate(() => {
    const at = (window as unknown as { benchShownAt?: number }).benchShownAt;
    return at === undefined ? null : { sinceNavigation: at, epoch: performance.timeOrigin + at };
  });
}

/** The open conversation's topic, from Parley's `#/c/<topic>` route. */
export async function openTopic(page: Page): Promise<string> {
  const topic = await page.evaluate(() => /^#\/c\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '');
  if (!topic) throw new Error(`no conversation open at ${page.url()}`);
  return topic;
}

/** Waits until the open conversation's timeline holds at least `count` messages. */
export async function waitForTimeline(page: Page, count: number, timeout = 120_000): Promise<void> {
  await page.waitForFunction(
    (count) => {
      const app = document.querySelector('parley-app') as unknown as { client?: { get(id: string): { timeline: { size: number; entries: { kind: string }[] } } | undefined } };
      const id = /^#\/c\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '';
      const timeline = app?.client?.get(id)?.timeline;
      // Cheap size check first: counting messages walks the whole timeline.
      return !!timeline && timeline.size >= count && timeline.entries.filter((e) => e.kind === 'message').length >= count;
    },
    count,
    { timeout, polling: 100 },
  );
}

/** User Timing marks whose name starts with `prefix`, as epoch milliseconds, oldest first. */
export async function marks(page: Page, prefix: string): Promise<{ name: string; at: number }[]> {
  return page.evaluate(
    (prefix) =>
      performance
        .getEntriesByType('mark')
        .filter((m) => m.name.startsWith(prefix))
        .map((m) => ({ name: m.name, at: performance.timeOrigin + m.startTime })),
    prefix,
  );
}

/**
 * Waits until every queued write to `database`'s y-indexeddb `updates` store has committed,
 * then returns how many updates it holds and their total size.
 */
export async function storedUpdates(page: Page, database: string): Promise<{ count: number; bytes: number }> {
  return page.evaluate(
    (database) =>
      new Promise<{ count: number; bytes: number }>((resolve, reject) => {
        const open = indexedDB.open(database);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          // A wrong name opens (and creates) an empty database: fail instead of hanging.
          if (!db.objectStoreNames.contains('updates')) {
            db.close();
            reject(new Error(`no y-indexeddb store in ${database}`));
            return;
          }
          // A read transaction starts only after earlier overlapping writes have committed.
          const request = db.transaction(['updates'], 'readonly').objectStore('updates').getAll();
          request.onsuccess = () => {
            db.close();
            const updates = request.result as Uint8Array[];
            resolve({ count: updates.length, bytes: updates.reduce((sum, u) => sum + u.byteLength, 0) });
          };
          request.onerror = () => reject(request.error);
        };
      }),
    database,
  );
}
