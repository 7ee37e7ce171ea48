/**
 * What the file tests do and read on a page (docs/architecture.md §14): attach and send a
 * file, save what arrived, and read how its chunks travelled.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { BrowserContext, Locator } from 'playwright-core';
import { expect } from 'vitest';
import type { ParleyUser } from './parley-user.js';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export async function attach(user: ParleyUser, name: string, mimeType: string, buffer: Buffer): Promise<void> {
  await user.page.getByLabel('Attach').setInputFiles({ name, mimeType, buffer });
  await user.page.getByRole('list', { name: 'Files to send' }).getByText(name).waitFor();
}

export async function sendAttached(user: ParleyUser, caption = ''): Promise<void> {
  if (caption) await user.composer.fill(caption);
  await user.page.getByRole('button', { name: 'Send' }).click();
}

/** The SHA-256 of what the page's "Download NAME" link saves, read from the downloaded file. */
export async function downloadedHash(user: ParleyUser, name: string, timeout = 120_000): Promise<string> {
  const link = user.page.getByRole('link', { name: `Download ${name}` });
  await link.waitFor({ timeout });
  const [download] = await Promise.all([user.page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe(name);
  return sha256(await readFile(await download.path()));
}

/**
 * Slows the page's main thread 20× (CDP CPU throttling) until the returned function is called.
 * On a holder's page it makes a 20 MB transfer last 7–10 s instead of about 1.2 s (measured
 * here), so a test can act mid-transfer (Cancel, a reload) on a quiet machine as reliably as
 * on a loaded one: at full speed the progress bar was gone again within a few polls.
 */
export async function slowed(user: ParleyUser): Promise<() => Promise<void>> {
  const cdp = await user.page.context().newCDPSession(user.page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 20 });
  return async () => {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    await cdp.detach();
  };
}

export const progressOf = (user: ParleyUser, name: string): Locator => user.page.getByRole('progressbar', { name: `Transfer of ${name}` });

/** Highest percent a progress bar showed, polled until `until` settles. */
export async function watchProgress(bar: Locator, until: Promise<unknown>): Promise<number[]> {
  const seen: number[] = [];
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    const now = await bar.getAttribute('aria-valuenow', { timeout: 200 }).catch(() => null);
    if (now !== null && Number(now) !== seen.at(-1)) seen.push(Number(now));
    await new Promise((r) => setTimeout(r, 50));
  }
  return seen;
}

/**
 * Bytes each direct link's two connections received: the link's own and the bulk channel's
 * (docs/architecture.md §14.2, "The bulk channel on a connection of its own").
 */
export const bytesByConnection = (user: ParleyUser): Promise<Array<{ link: number; bulk: number | null }>> =>
  user.page.evaluate(async () => {
    type Pc = RTCPeerConnection | null;
    const received = async (pc: Pc): Promise<number | null> => {
      if (!pc) return null;
      let bytes = 0;
      (await pc.getStats()).forEach((s: { type: string; bytesReceived?: number }) => {
        if (s.type === 'transport') bytes += s.bytesReceived ?? 0;
      });
      return bytes;
    };
    type Transport = { kind: string; peerConnection?: Pc; bulkPeerConnection?: Pc; loaded?: Transport | null };
    // The page's client holds the promise of its mesh (loaded after the list, client/network-handles.ts).
    const mesh = await (document.querySelector('parley-app') as unknown as { client: { parts: { mesh: Promise<{ entries: Map<string, { link: { paths: Map<Transport, unknown> } }> }> } } }).client.parts.mesh;
    const out = [];
    for (const { link } of mesh.entries.values()) {
      for (const outer of link.paths.keys()) {
        // The page loads simple-peer on demand: a direct path is a DeferredTransport around it.
        const path = outer.loaded ?? outer;
        if (outer.kind !== 'direct') continue;
        out.push({ link: (await received(path.peerConnection ?? null)) ?? 0, bulk: await received(path.bulkPeerConnection ?? null) });
      }
    }
    return out;
  });

/** The page's file chunks counted by the channel they came and went by (ClientFiles.transferCounts). */
export const transferCounts = (user: ParleyUser): Promise<Record<string, number>> =>
  user.page.evaluate(() => ({ ...(document.querySelector('parley-app') as unknown as { files: { transferCounts: Record<string, number> } }).files.transferCounts }));

/** One RTCPeerConnection a page made (see recordPeerConnections); times are Date.now(), one clock for every page here. */
export interface MadeConnection {
  /** A link's bulk connection: it carries the channel `parley-bulk` (docs/architecture.md §14.2). */
  readonly bulk: boolean;
  readonly at: number;
  readonly connected: number | null;
}

/**
 * From the context's next page load on, records every RTCPeerConnection its pages make (read
 * back with {@link peerConnectionsMade}). simple-peer and the bulk connection look the
 * constructor up on `globalThis` each time, so a subclass installed before the app loads
 * sees every one.
 */
export async function recordPeerConnections(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const Native = globalThis.RTCPeerConnection;
    if (!Native) return;
    const made: Array<{ bulk: boolean; at: number; connected: number | null }> = [];
    const entries = new WeakMap<RTCPeerConnection, (typeof made)[number]>();
    class Recorded extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        const entry = { bulk: false, at: Date.now(), connected: null as number | null };
        made.push(entry);
        entries.set(this, entry);
        this.addEventListener('connectionstatechange', () => {
          if (this.connectionState === 'connected' && entry.connected === null) entry.connected = Date.now();
        });
      }
      override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
        const entry = entries.get(this);
        if (entry && label === 'parley-bulk') entry.bulk = true;
        return super.createDataChannel(label, init);
      }
    }
    Object.defineProperty(globalThis, 'RTCPeerConnection', { value: Recorded, writable: true, configurable: true });
    Object.defineProperty(globalThis, '__peerConnectionsMade', { value: made });
  });
}

export const peerConnectionsMade = (user: ParleyUser): Promise<MadeConnection[]> =>
  user.page.evaluate(() => [...(globalThis as unknown as { __peerConnectionsMade?: MadeConnection[] }).__peerConnectionsMade ?? []]);

/**
 * Starts watching the page's links: the first moment (Date.now(), polled every 5 ms) a
 * link's bulk lane is ready, read back with {@link bulkReadyAt}.
 */
export const watchBulkReady = (user: ParleyUser): Promise<void> =>
  user.page.evaluate(async () => {
    const w = window as unknown as { bulkReadyAt: number | null };
    w.bulkReadyAt = null;
    type Link = { bulkLane: { ready: boolean } | null };
    const mesh = await (document.querySelector('parley-app') as unknown as { client: { parts: { mesh: Promise<{ entries: Map<string, { link: Link }> }> } } }).client.parts.mesh;
    const timer = setInterval(() => {
      if (![...mesh.entries.values()].some(({ link }) => link.bulkLane?.ready)) return;
      w.bulkReadyAt = Date.now();
      clearInterval(timer);
    }, 5);
  });

export const bulkReadyAt = (user: ParleyUser): Promise<number | null> => user.page.evaluate(() => (window as unknown as { bulkReadyAt: number | null }).bulkReadyAt);
