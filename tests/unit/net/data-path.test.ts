/**
 * The data-path contract (tests/contracts/data-path-contract.ts) both ways: chunks that come
 * in-band, checked on this thread, and chunks on a bulk channel, checked by the real
 * BulkCore behind the page's BulkHost (in-process here; the real worker in real Chromium is
 * in tests/e2e/files.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../../src/core/bytes.js';
import { BulkHost } from '../../../src/net/files/bulk-lane.js';
import { decodeBulkFrame, encodeBulkData, encodeReady } from '../../../src/net/files/bulk-wire.js';
import { LinkDataPath } from '../../../src/net/files/data-path.js';
import type { PeerLink } from '../../../src/net/peer-link.js';
import { dataPathContractCases, fileOf, type DataPathRig } from '../../contracts/data-path-contract.js';
import { fakeChannelPair, fakePeerConnection, inProcessWorker, type FakeBulkChannel } from '../../helpers/fake-bulk.js';

/** Resolves once `channel` is open (at once if it already is). */
const opened = (channel: FakeBulkChannel): Promise<void> =>
  new Promise((resolve) => (channel.readyState === 'open' ? resolve() : channel.addEventListener('open', () => resolve())));

function inBand(): DataPathRig {
  const path = new LinkDataPath();
  const link = { isClosed: false, peer: { device: 'd' }, bulkLane: null } as unknown as PeerLink;
  return {
    path,
    link,
    deliver: (root, index, bytes) => path.take(link, root, index, bytes),
    remoteReady: async () => undefined,
    offPage: false,
    receivedOffPage: () => 0,
    dispose: () => path.destroy(),
  };
}

function bulk(): DataPathRig & { closeChannel(): void } {
  const host = new BulkHost({ spawn: inProcessWorker });
  const [mine, theirs] = fakeChannelPair();
  const lane = host.open(fakePeerConnection(mine))!;
  const link = { isClosed: false, peer: { device: 'd' }, bulkLane: lane } as unknown as PeerLink;
  const path = new LinkDataPath(host, (l) => (l === lane ? link : undefined));
  // As FileExchange does for every link: faults on a lane are heard even before anything is asked.
  path.watch(link);
  const whenOpen = opened(theirs);
  let received = 0;
  theirs.addEventListener('message', (e) => {
    if (decodeBulkFrame(new Uint8Array((e as MessageEvent<ArrayBuffer>).data)).type === 'data') received++;
  });
  return {
    path,
    link,
    deliver: (root, index, bytes) => void whenOpen.then(() => theirs.send(encodeBulkData(root, index, bytes)!)),
    remoteReady: async () => {
      await whenOpen;
      theirs.send(encodeReady(false));
      await new Promise<void>((resolve) => (lane.ready ? resolve() : lane.on('ready', resolve)));
    },
    offPage: true,
    receivedOffPage: () => received,
    // The channel fails under the worker, as when its connection of its own fails.
    closeChannel: () => mine.close(),
    dispose: () => {
      path.destroy();
      host.destroy();
    },
  };
}

for (const [name, make] of [
  ['in-band, checked on the page', inBand],
  ['the bulk channel, checked in the bulk worker', bulk],
] as const) {
  describe(`data path contract: ${name}`, () => {
    for (const c of dataPathContractCases) {
      it(c.name, async () => {
        const rig = make();
        try {
          await c.run(rig);
        } finally {
          rig.dispose();
        }
      });
    }
  });
}

/**
 * One chunk sent on a bulk lane to a page whose link was asked for the file, with the lane
 * (and so the worker) opened before the page gave the file ('lane-first') or after it
 * ('file-first'); resolves with what the page heard.
 */
async function oneChunkOnALane(order: 'lane-first' | 'file-first'): Promise<{ checked: number[]; bad: string[]; bulk: number }> {
  const host = new BulkHost({ spawn: inProcessWorker });
  let lane: ReturnType<BulkHost['open']> = null;
  let theirs: FakeBulkChannel | null = null;
  const openLane = (): void => {
    const [mine, other] = fakeChannelPair();
    lane = host.open(fakePeerConnection(mine))!;
    theirs = other;
  };
  if (order === 'lane-first') openLane();
  // The link was asked before it had a bulk channel (it began on the relay, or the page
  // resumed its fetch at start).
  const link = { isClosed: false, peer: { device: 'd' }, bulkLane: null } as { bulkLane: unknown };
  const path = new LinkDataPath(host, (l) => (l === lane ? (link as unknown as PeerLink) : undefined));
  try {
    const { file, sealed } = await fileOf(1);
    const checked: number[] = [];
    const bad: string[] = [];
    path.on('checked', (_link, _root, index) => checked.push(index));
    path.on('bad', (_link, _reason, detail) => bad.push(detail));
    const root = toBase64Url(new Uint8Array(32).fill(order === 'lane-first' ? 5 : 6));
    path.file(root, file);
    path.announce(link as unknown as PeerLink, root);
    if (order === 'file-first') openLane();
    link.bulkLane = lane;
    await opened(theirs!);
    theirs!.send(encodeBulkData(root, 0, sealed[0]!)!);
    const deadline = Date.now() + 10_000;
    while (checked.length === 0 && bad.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    return { checked, bad, bulk: path.counts.bulk };
  } finally {
    path.destroy();
    host.destroy();
  }
}

describe('data path: a bulk channel that opens after the link was asked', () => {
  it('takes the chunks that come on it: the worker knew the file, and the page knows which link asked', async () => {
    expect(await oneChunkOnALane('lane-first')).toEqual({ checked: [0], bad: [], bulk: 1 });
  });
});

describe('data path: files fetched before the bulk worker started', () => {
  it('are given to the worker when it starts with the first lane (a page resuming its fetches at start)', async () => {
    expect(await oneChunkOnALane('file-first')).toEqual({ checked: [0], bad: [], bulk: 1 });
  });
});

describe('data path: a bulk channel that closes under a link that stays', () => {
  it('says the link is lost to what it was asked (its connection of its own failed), and says nothing when the link closed too', async () => {
    for (const linkCloses of [false, true]) {
      const rig = bulk();
      try {
        const lost: PeerLink[] = [];
        rig.path.on('lost', (link) => void lost.push(link));
        const { file } = await fileOf(1);
        const root = toBase64Url(new Uint8Array(32).fill(8));
        rig.path.file(root, file);
        await rig.remoteReady();
        rig.path.announce(rig.link, root);
        if (linkCloses) (rig.link as unknown as { isClosed: boolean }).isClosed = true;
        const lane = (rig.link as unknown as { bulkLane: { on(e: 'close', f: () => void): void } }).bulkLane;
        const closed = new Promise<void>((resolve) => lane.on('close', resolve));
        rig.closeChannel();
        await closed;
        expect(lost, linkCloses ? 'the link closed as well' : 'the link stays').toEqual(linkCloses ? [] : [rig.link]);
      } finally {
        rig.dispose();
      }
    }
  });
});

describe('data path: a bulk channel that opens after the link was asked, then fails', () => {
  it('is watched from when it is ready, so its failure says the link is lost (the link\'s first file opens it after the first get)', async () => {
    const host = new BulkHost({ spawn: inProcessWorker });
    const link = { isClosed: false, peer: { device: 'd' }, bulkLane: null } as { isClosed: boolean; bulkLane: unknown };
    let lane: ReturnType<BulkHost['open']> = null;
    const path = new LinkDataPath(host, (l) => (l === lane ? (link as unknown as PeerLink) : undefined));
    try {
      const lost: unknown[] = [];
      path.on('lost', (l) => void lost.push(l));
      const { file } = await fileOf(1);
      const root = toBase64Url(new Uint8Array(32).fill(9));
      path.file(root, file);
      // Asked while the link had no lane (as FileExchange does for every link and every get).
      path.watch(link as unknown as PeerLink);
      path.announce(link as unknown as PeerLink, root);
      const [mine, theirs] = fakeChannelPair();
      lane = host.open(fakePeerConnection(mine))!;
      link.bulkLane = lane;
      await opened(theirs);
      theirs.send(encodeReady(false));
      await new Promise<void>((resolve) => lane!.on('ready', resolve));
      // The host heard the worker's ready before the lane did: let its listeners run.
      await new Promise((r) => setTimeout(r, 0));
      const closed = new Promise<void>((resolve) => lane!.on('close', resolve));
      mine.close();
      await closed;
      expect(lost).toEqual([link]);
    } finally {
      path.destroy();
      host.destroy();
    }
  });
});
