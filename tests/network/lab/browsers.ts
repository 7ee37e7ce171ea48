/**
 * Chromium inside a lab computer, and what its WebRTC stack chose.
 *
 * Playwright launches a two-line wrapper that `exec`s `ip netns exec NS chromium "$@"`:
 * `exec` keeps the process id and the inherited pipe descriptors Playwright drives the
 * browser through, so launching, closing and killing work as for a local browser while all
 * of Chromium's traffic leaves through the computer's own network namespace.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../helpers/browser.js';
import { IP } from './shell.js';

export interface LabBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

/** Launches Chromium in namespace `ns`, treating the plain-HTTP lab `origin` as secure. */
export async function launchInNamespace(ns: string, origin: string): Promise<LabBrowser> {
  const dir = await mkdtemp(path.join(tmpdir(), 'plab-chromium-'));
  const wrapper = path.join(dir, 'chromium');
  await writeFile(wrapper, `#!/bin/sh\nexec ${IP} netns exec ${ns} ${CHROMIUM_PATH} "$@"\n`, { mode: 0o755 });
  try {
    // The lab origin is plain HTTP on a lab address: service workers and WebCrypto need a
    // secure context, which this flag grants to exactly that origin.
    const browser = await chromium.launch({ executablePath: wrapper, args: [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${origin}`], headless: true, timeout: 60_000 });
    return {
      browser,
      async close() {
        await browser.close().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** One end of a candidate pair, as `RTCIceCandidateStats` reports it. */
export interface CandidateEnd {
  readonly type: string;
  readonly address: string;
  readonly port: number;
  readonly protocol: string;
}

/** The candidate pair an `RTCPeerConnection` of the page is using. */
export interface SelectedPair {
  readonly connectionState: string;
  readonly local: CandidateEnd;
  readonly remote: CandidateEnd;
}

/**
 * Makes every page of `context` record the RTCPeerConnections it creates, so the test can
 * ask them for their stats, with the time of each connection-state change; and the times the
 * header's connection status (`data-connection`) changed, polled every 100 ms. simple-peer
 * looks the constructor up on `globalThis` each time, so a subclass installed before the app
 * loads sees every connection.
 */
export async function recordPeerConnections(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const Native = globalThis.RTCPeerConnection;
    if (!Native) return;
    const seen: RTCPeerConnection[] = [];
    const events: [number, string][] = [];
    const bulk = new WeakSet<RTCPeerConnection>();
    class Recorded extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        const n = seen.push(this);
        events.push([Date.now(), `pc${n} new`]);
        this.addEventListener('connectionstatechange', () => events.push([Date.now(), `pc${n}${bulk.has(this) ? ' (bulk)' : ''} ${this.connectionState}`]));
      }
      // A link's bulk connection (docs/architecture.md §14.2) carries the channel of this label.
      override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
        if (label === 'parley-bulk') bulk.add(this);
        return super.createDataChannel(label, init);
      }
    }
    Object.defineProperty(globalThis, '__plabBulk', { value: bulk });
    Object.defineProperty(globalThis, 'RTCPeerConnection', { value: Recorded, writable: true, configurable: true });
    Object.defineProperty(globalThis, '__plabPeerConnections', { value: seen });
    Object.defineProperty(globalThis, '__plabEvents', { value: events });
    // The status element sits in nested shadow roots; search them until it shows up.
    const find = (root: ParentNode): Element | null => {
      const hit = root.querySelector('parley-connection-status');
      if (hit) return hit;
      for (const el of root.querySelectorAll('*')) {
        const inner = el.shadowRoot ? find(el.shadowRoot) : null;
        if (inner) return inner;
      }
      return null;
    };
    let shown: string | null = null;
    setInterval(() => {
      const value = find(document)?.getAttribute('data-connection') ?? null;
      if (value !== shown) events.push([Date.now(), `status ${value}`]);
      shown = value;
    }, 100);
  });
}

/** What the page recorded (see recordPeerConnections), in ms relative to `since` (epoch ms). */
export async function connectionEvents(page: Page, since: number): Promise<string[]> {
  const events = await page.evaluate(() => (globalThis as unknown as { __plabEvents?: [number, string][] }).__plabEvents ?? []);
  return events.map(([at, what]) => `${at - since} ${what}`);
}

/**
 * Every RTCPeerConnection the page created (open or closed), and the selected pair of each
 * that has one: the links' own connections in `selected`, their bulk connections (files'
 * chunks, docs/architecture.md §14.2) in `bulk`.
 */
export async function peerConnections(page: Page): Promise<{ created: number; selected: SelectedPair[]; bulk: SelectedPair[] }> {
  return page.evaluate(async () => {
    const list = (globalThis as unknown as { __plabPeerConnections?: RTCPeerConnection[] }).__plabPeerConnections ?? [];
    const isBulk = (globalThis as unknown as { __plabBulk?: WeakSet<RTCPeerConnection> }).__plabBulk;
    const selected: SelectedPair[] = [];
    const bulk: SelectedPair[] = [];
    for (const pc of list) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      const reports = new Map<string, Record<string, unknown>>();
      stats.forEach((r: Record<string, unknown>) => reports.set(r.id as string, r));
      let pair: Record<string, unknown> | undefined;
      for (const r of reports.values()) {
        if (r.type === 'transport' && typeof r.selectedCandidatePairId === 'string') pair = reports.get(r.selectedCandidatePairId);
      }
      if (!pair || pair.state !== 'succeeded') continue;
      const end = (id: unknown): CandidateEnd => {
        const c = reports.get(id as string) ?? {};
        return { type: String(c.candidateType), address: String(c.address ?? c.ip), port: Number(c.port), protocol: String(c.protocol) };
      };
      (isBulk?.has(pc) ? bulk : selected).push({ connectionState: pc.connectionState, local: end(pair.localCandidateId), remote: end(pair.remoteCandidateId) });
    }
    return { created: list.length, selected, bulk };
  });
}
