/**
 * Row group: files (`npm run bench -- files`), docs/architecture.md §14.
 *
 * - Throughput: a 50 MiB file from Alice to Bob through Parley (fetch, check, store, open),
 *   against a raw RTCDataChannel between two pages of the same Chromium in the same run,
 *   pushing the same bytes in 64 KiB messages with the same 256 KiB backpressure. Three
 *   rounds, raw then Parley in each; the row shows the median round's ratio. Measured twice:
 *   in incognito contexts like every other row, and on a profile on disk (disk-profile.ts),
 *   where storage costs what it costs on a user's device.
 * - Peak JS heap on the receiving side while a 200 MiB file arrives, against its idle heap:
 *   the page (`performance.memory`, Chromium with precise memory info) and its dedicated
 *   workers (over CDP), sampled together (receiver-heap.ts).
 * - Text send → render latency while a 100 MiB transfer runs, against the same pair idle:
 *   300 texts a block, one every 100 ms (a fast typist's pace, not a burst: at one every
 *   25 ms the texts alone kept both pages' threads busy), so p99 is the fourth-worst text,
 *   not the second-worst of 100. Texts take 30 s and the file about 10 s, so the receiver
 *   fetches the same 100 MiB again (cleared and downloaded anew) until the texts are done:
 *   every text goes while a 100 MiB transfer runs.
 *
 * The files are made inside Alice's page and handed to the app's `ClientFiles.send`, so the
 * rows time the transfer, not Playwright copying a file into the page.
 */
import type { Page } from 'playwright-core';
import { startAppServer } from '../tests/helpers/app-server.js';
import { launchChromium } from '../tests/helpers/browser.js';
import { newPage } from './browser.js';
import { diskProfile } from './disk-profile.js';
import type { BenchGroup } from './group.js';
import os from 'node:os';
import { describe, parleyPair, runBlock, watchTimeline, type Pair } from './latency.js';
import { progress } from './log.js';
import { ReceiverHeap } from './receiver-heap.js';
import { watchRenders } from './page-probes.js';
import { formatBytes, formatMs, formatRatio, percentile } from './stats.js';
import type { Row } from './table.js';

const MiB = 1024 * 1024;
const THROUGHPUT_BYTES = 50 * MiB;
const THROUGHPUT_ROUNDS = 3;
const HEAP_BYTES = 200 * MiB;
const BUSY_BYTES = 100 * MiB;
const LATENCY_MESSAGES = 300;
const LATENCY_SPACING_MS = 100;
const THROUGHPUT = 'File throughput, 50 MiB';
const THROUGHPUT_DISK = 'File throughput, 50 MiB, profile on disk';
const HEAP = 'Peak JS heap above idle while receiving 200 MiB';
const LATENCY = 'Text send → render latency during a 100 MiB transfer, p99';

interface AppHandle {
  files: {
    send(session: unknown, file: { blob: Blob; name: string }, caption?: string): Promise<string>;
    on(event: 'changed' | 'progress', f: (root: string) => void): void;
    view(ref: { root: string }): { state: string; url: string | null; done: number } | undefined;
    rules: { setAutoDownloadBytes(bytes: number): Promise<void> };
    clearDownloaded(conversation: string): Promise<void>;
    download(session: unknown, ref: unknown): void;
  };
  client: { get(id: string): unknown };
}

/** Makes a file of random bytes inside the page and sends it; resolves with the epoch ms it was sent. */
async function sendFile(page: Page, name: string, size: number): Promise<number> {
  return page.evaluate(
    async ({ name, size }) => {
      const parts: Uint8Array[] = [];
      for (let at = 0; at < size; at += 65_536) parts.push(crypto.getRandomValues(new Uint8Array(Math.min(65_536, size - at))));
      const blob = new Blob(parts as BlobPart[], { type: 'application/octet-stream' });
      const app = document.querySelector('parley-app') as unknown as AppHandle;
      const session = app.client.get(/^#\/c\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '');
      await app.files.send(session, { blob, name });
      return performance.timeOrigin + performance.now();
    },
    { name, size },
  );
}

/** Resolves with the epoch ms the receiver has the whole file checked and opened. */
async function armReceiver(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const app = document.querySelector('parley-app') as unknown as AppHandle;
    // Files over the default 25 MB wait for a click; the bench's fetch by themselves.
    await app.files.rules.setAutoDownloadBytes(1024 * 1024 * 1024);
    const w = window as unknown as { benchFileDone: Promise<number> };
    w.benchFileDone = new Promise<number>((resolve) => {
      app.files.on('changed', (root) => {
        const view = app.files.view({ root });
        if (view?.state === 'done' && view.url) resolve(performance.timeOrigin + performance.now());
      });
    });
  });
}

/** What the receiver's fetches of the file did while {@link keepRefetching} ran. */
interface Refetched {
  /** Fetches that ended with the whole file checked and opened. */
  readonly whole: number;
  /** Bytes those fetches and the one still running checked meanwhile (not what was stored before). */
  readonly bytes: number;
}

/**
 * Until stopped ({@link refetched}): each time the receiver has the file whole, it clears what it
 * downloaded and fetches the same file again, so a transfer runs for as long as texts go.
 * Counts what moved while it ran: a fetch that ended whole, and the bytes each fetch checked
 * after it was armed. It had counted the refetches it started (each whole file it saw), and
 * the row said the file was fetched one time more: so the fetch under way when it was armed
 * counted as a whole transfer during the texts, and so did the refetch started last, which
 * ran after them.
 */
async function keepRefetching(page: Page, name: string): Promise<void> {
  await page.evaluate((name) => {
    const app = document.querySelector('parley-app') as unknown as AppHandle;
    const id = /^#\/c\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '';
    const session = app.client.get(id) as { timeline: { entries: { file?: { root: string; name: string } }[] } };
    const w = window as unknown as { benchRefetch: boolean; benchRefetched: { whole: number; bytes: number }; benchFileDone: Promise<number> };
    w.benchRefetch = true;
    w.benchRefetched = { whole: 0, bytes: 0 };
    let busy = false;
    /** Bytes of the file checked so far by the fetch under way, as last seen; null before it is seen. */
    let seen: number | null = null;
    const watch = (root: string): void => {
      const ref = session.timeline.entries.find((e) => e.file?.root === root && e.file.name === name)?.file;
      const view = app.files.view({ root });
      if (!w.benchRefetch || !ref || !view) return;
      // Cleared: the next fetch starts from what the store holds then, which it did not move.
      if (view.state === 'idle') seen = null;
      else if (view.state === 'waiting' || view.state === 'moving' || view.state === 'done') {
        if (seen !== null && view.done > seen) w.benchRefetched.bytes += view.done - seen;
        seen = Math.max(seen ?? view.done, view.done);
      }
      if (busy || view.state !== 'done' || !view.url) return;
      busy = true;
      w.benchRefetched.whole++;
      void app.files.clearDownloaded(id).then(() => {
        busy = false;
        // A fresh promise for the fetch that starts now, for receiverDone.
        w.benchFileDone = new Promise<number>((resolve) => {
          const done = (r: string): void => {
            const v = app.files.view({ root: r });
            if (r === root && v?.state === 'done' && v.url) resolve(performance.timeOrigin + performance.now());
          };
          app.files.on('changed', done);
        });
        app.files.download(session, ref);
      });
    };
    app.files.on('changed', watch);
    app.files.on('progress', watch);
  }, name);
}

/** What the fetches did since {@link keepRefetching} was armed; `stop` ends the refetching. */
const refetched = (page: Page, stop = false): Promise<Refetched> =>
  page.evaluate((stop) => {
    const w = window as unknown as { benchRefetch: boolean; benchRefetched: Refetched };
    if (stop) w.benchRefetch = false;
    return { ...w.benchRefetched };
  }, stop);

const receiverDone = (page: Page): Promise<number> => page.evaluate(() => (window as unknown as { benchFileDone: Promise<number> }).benchFileDone);

/** The receiving side's heap at rest: garbage collected on the page and in its workers, then a settle. */
async function idleHeap(heap: ReceiverHeap): Promise<{ page: number; workers: number; count: number }> {
  await heap.collect();
  await new Promise((r) => setTimeout(r, 500));
  return heap.sample();
}

/**
 * Joins two pages by a raw data channel (the baseline); the result pushes `size` bytes from
 * the first to the second and resolves with the ms it took, as often as it is called.
 */
async function rawChannel(a: Page, b: Page): Promise<(size: number) => Promise<number>> {
  const offer = await a.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const dc = pc.createDataChannel('bench');
    Object.assign(window, { benchPc: pc, benchDc: dc });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription!.toJSON();
  });
  const answer = await b.evaluate(async (offer) => {
    const pc = new RTCPeerConnection();
    const w = window as unknown as { benchGot: number; benchWant: number; benchReceived: Promise<number>; benchArrived: (at: number) => void };
    w.benchGot = 0;
    w.benchWant = Infinity;
    pc.addEventListener('datachannel', (e) => {
      e.channel.binaryType = 'arraybuffer';
      e.channel.addEventListener('message', (m) => {
        w.benchGot += (m.data as ArrayBuffer).byteLength;
        if (w.benchGot >= w.benchWant) w.benchArrived(performance.timeOrigin + performance.now());
      });
    });
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription!.toJSON();
  }, offer);
  await a.evaluate(async (answer) => {
    const { benchPc: pc, benchDc: dc } = window as unknown as { benchPc: RTCPeerConnection; benchDc: RTCDataChannel };
    await pc.setRemoteDescription(answer);
    if (dc.readyState !== 'open') await new Promise((r) => dc.addEventListener('open', r, { once: true }));
  }, answer);
  return async (size) => {
    await b.evaluate((size) => {
      const w = window as unknown as { benchGot: number; benchWant: number; benchReceived: Promise<number>; benchArrived: (at: number) => void };
      w.benchGot = 0;
      w.benchWant = size;
      w.benchReceived = new Promise<number>((resolve) => (w.benchArrived = resolve));
    }, size);
    const started = await a.evaluate(async (size) => {
      const dc = (window as unknown as { benchDc: RTCDataChannel }).benchDc;
      const chunk = crypto.getRandomValues(new Uint8Array(65_536));
      dc.bufferedAmountLowThreshold = 128 * 1024;
      const start = performance.timeOrigin + performance.now();
      for (let sent = 0; sent < size; sent += chunk.length) {
        if (dc.bufferedAmount > 256 * 1024) await new Promise((r) => dc.addEventListener('bufferedamountlow', r, { once: true }));
        dc.send(chunk);
      }
      return start;
    }, size);
    const ended = await b.evaluate(() => (window as unknown as { benchReceived: Promise<number> }).benchReceived);
    return ended - started;
  };
}

interface Throughput {
  readonly rawMs: number;
  readonly parleyMs: number;
  readonly rounds: string;
}

const mbps = (ms: number): string => `${(THROUGHPUT_BYTES / MiB / (ms / 1000)).toFixed(1)} MiB/s`;

/**
 * Raw and Parley alternate, THROUGHPUT_ROUNDS each: the raw channel alone moved anywhere
 * from 12 to 31 MiB/s within minutes on this machine, so one pair of runs said more about
 * the minute than about Parley. Each round's ratio compares neighbours; the median round is
 * the result.
 */
async function throughput(pushRaw: (size: number) => Promise<number>, pair: Pair, label: string): Promise<Throughput> {
  const rounds: { rawMs: number; parleyMs: number }[] = [];
  for (let round = 1; round <= THROUGHPUT_ROUNDS; round++) {
    const rawMs = await pushRaw(THROUGHPUT_BYTES);
    await armReceiver(pair.receiver);
    const sentAt = await sendFile(pair.sender, `throughput-${round}.bin`, THROUGHPUT_BYTES);
    const parleyMs = (await receiverDone(pair.receiver)) - sentAt;
    rounds.push({ rawMs, parleyMs });
    progress(`${label}: round ${round}: 50 MiB in ${formatMs(parleyMs)} (raw ${formatMs(rawMs)}, ${(rawMs / parleyMs).toFixed(2)}×)`);
  }
  const median = [...rounds].sort((x, y) => x.rawMs / x.parleyMs - y.rawMs / y.parleyMs)[Math.floor(rounds.length / 2)]!;
  return { ...median, rounds: rounds.map((r) => `${mbps(r.parleyMs)} against ${mbps(r.rawMs)} (${(r.rawMs / r.parleyMs).toFixed(2)}×)`).join('; ') };
}

function throughputRow(metric: string, { rawMs, parleyMs, rounds }: Throughput, where: string): Row {
  return {
    metric,
    parley: mbps(parleyMs),
    baseline: `${mbps(rawMs)} (raw data channel)`,
    ratio: formatRatio(rawMs, parleyMs),
    goal: '≥ 0.8× a raw data channel',
    met: rawMs / parleyMs >= 0.8,
    note: `Parley: from \`ClientFiles.send\` resolving on Alice (file sealed and stored, message sent) until Bob has every chunk checked, stored and the whole opened (content hash checked). Raw: one RTCDataChannel between the same kind of pages, 64 KiB messages, sending while bufferedAmount ≤ 256 KiB. Both on ${where}. Ratio: Parley throughput / raw throughput. ${THROUGHPUT_ROUNDS} rounds, raw then Parley each, the median round shown; every round: ${rounds}.`,
  };
}

export const filesGroup: BenchGroup = {
  name: 'files',
  rows: [
    { metric: THROUGHPUT, goal: '≥ 0.8× a raw data channel' },
    { metric: THROUGHPUT_DISK, goal: '≥ 0.8× a raw data channel' },
    { metric: HEAP, goal: '< 64 MB above idle' },
    { metric: LATENCY, goal: 'p99 < 50 ms' },
  ],
  needsApp: true,
  needsQuiet: true,
  timeoutMs: 15 * 60_000,
  async run(ctx) {
    const app = await startAppServer({ staticDir: ctx.appDir, maxFileBytes: 256 * MiB });
    ctx.defer(() => app.close());
    const browser = await launchChromium();
    ctx.defer(() => browser.close());

    progress('files: raw data channel baseline');
    const [rawA, rawB] = [await newPage(browser, 'raw A'), await newPage(browser, 'raw B')];
    await Promise.all([rawA.goto(`${app.url}/healthz`), rawB.goto(`${app.url}/healthz`)]);
    const pushRaw = await rawChannel(rawA, rawB);

    progress('files: connecting two Parley users');
    const pair: Pair = await parleyPair(browser, app.url);
    const incognito = await throughput(pushRaw, pair, 'files');

    progress('files: peak heap while receiving 200 MiB');
    const heap = await ReceiverHeap.attach(pair.receiver);
    ctx.defer(() => heap.detach());
    const rest = await idleHeap(heap);
    const idle = rest.page + rest.workers;
    await armReceiver(pair.receiver);
    const watching = heap.watch(50);
    await sendFile(pair.sender, 'heap.bin', HEAP_BYTES);
    await receiverDone(pair.receiver);
    const peakHeap = await watching.stop();
    const peak = peakHeap.total;
    await heap.detach();
    progress(`files: heap peak ${formatBytes(peak - idle)} above idle (page alone ${formatBytes(peakHeap.page - rest.page)}, workers ${formatBytes(peakHeap.workers - rest.workers)}; ${peakHeap.count} workers at most, ${peakHeap.samples} samples)`);

    progress('files: text latency, idle and during a 100 MiB transfer');
    await watchRenders(pair.receiver, pair.dom, 'bench ');
    await watchTimeline(pair.receiver, 'bench ');
    const load = { idle: os.loadavg()[0]!, busy: 0 };
    const quiet = await runBlock(pair, 'bench quiet', LATENCY_MESSAGES, LATENCY_SPACING_MS);
    await armReceiver(pair.receiver);
    await keepRefetching(pair.receiver, 'busy.bin');
    const transfer = sendFile(pair.sender, 'busy.bin', BUSY_BYTES);
    // Wait until bytes are moving before the texts go.
    await pair.receiver.waitForFunction(() => document.querySelector('parley-app')?.shadowRoot?.querySelector('parley-conversation')?.shadowRoot?.querySelector('parley-message-list')?.shadowRoot?.querySelector('[role="progressbar"]') !== null, null, { timeout: 120_000 });
    load.busy = os.loadavg()[0]!;
    const before = await refetched(pair.receiver);
    const busy = await runBlock(pair, 'bench busy', LATENCY_MESSAGES, LATENCY_SPACING_MS);
    const after = await refetched(pair.receiver, true);
    await transfer;
    await receiverDone(pair.receiver);
    // What moved while the texts went, not what the first fetch had moved before they began.
    const whole = after.whole - before.whole;
    const moved = `${whole} fetch${whole === 1 ? '' : 'es'} of the file ended whole and ${formatBytes(after.bytes - before.bytes)} of it were checked while the texts went`;
    describe(`idle (load ${load.idle.toFixed(1)})`, quiet);
    describe(`during transfer (load ${load.busy.toFixed(1)}; ${moved})`, busy);
    const at = (s: { total: number }[], p: number): number => percentile(s.map((x) => x.total), p);
    const p99 = (s: { total: number }[]): number => at(s, 99);
    const spread = (s: { total: number }[]): string => `p50 ${formatMs(at(s, 50))}, p95 ${formatMs(at(s, 95))}`;
    progress('files: throughput on a profile on disk');
    const disk = await diskProfile();
    ctx.defer(() => disk.close());
    const [diskA, diskB] = await disk.rawPages(app.url);
    const onDisk = await throughput(await rawChannel(diskA, diskB), await disk.pair(app.url), 'files (disk)');
    const rows: Row[] = [
      throughputRow(THROUGHPUT, incognito, 'two pages of one Chromium, in incognito contexts'),
      throughputRow(THROUGHPUT_DISK, onDisk, 'two pages of one Chromium with a profile on disk, on two origins of the server (localhost and 127.0.0.1) so that each side keeps its own storage'),
      {
        metric: HEAP,
        parley: formatBytes(peak - idle),
        baseline: `${formatBytes(idle)} idle`,
        ratio: '—',
        goal: '< 64 MB above idle',
        met: peak - idle < 64 * 1e6,
        note: `The receiving side: its page (performance.memory.usedJSHeapSize) plus every dedicated worker of that page (Runtime.getHeapUsage over CDP, usedSize + backingStorageSize), sampled together every 50 ms (after each answer) from the moment the file was sent until it was opened, ${peakHeap.samples} samples; the peak of the sum against the same sum idle, read after a garbage collection on the page and in each worker and a settle. Both parts count ArrayBuffer bytes, so every copy of a chunk counts until collected. Of the peak: page alone ${formatBytes(peakHeap.page - rest.page)} above its idle, workers (${peakHeap.count} at most, ${rest.count} idle) up to ${formatBytes(peakHeap.workers - rest.workers)} above theirs. Not counted: the service worker and Chromium's own buffers. The file is checked as it arrives and then served by the service worker from the store; without a controlling worker it opens into a Blob of parts (kept out of the JS heap by Chromium).`,
      },
      {
        metric: LATENCY,
        parley: `${formatMs(p99(busy))} (${spread(busy)})`,
        baseline: `${formatMs(p99(quiet))} idle (${spread(quiet)})`,
        ratio: formatRatio(p99(busy), p99(quiet)),
        goal: 'p99 < 50 ms',
        met: p99(busy) < 50,
        note: `${LATENCY_MESSAGES} texts, one every ${LATENCY_SPACING_MS} ms, while a 100 MiB transfer ran (started once the receiver showed progress; the receiver fetched the file again whenever it finished, until the texts were done: ${moved}), against ${LATENCY_MESSAGES} on the same pair idle; measured as the latency rows measure.`,
      },
    ];
    return rows;
  },
};
