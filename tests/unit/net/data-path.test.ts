/**
 * The data-path contract (tests/contracts/data-path-contract.ts) both ways: chunks that come
 * in-band, checked on this thread, and chunks on a bulk channel, checked by the real
 * BulkCore behind the page's BulkHost (in-process here; the real worker in real Chromium is
 * in tests/e2e/files.test.ts).
 */
import { describe, it } from 'vitest';
import { BulkHost } from '../../../src/net/files/bulk-lane.js';
import { decodeBulkFrame, encodeBulkData, encodeReady } from '../../../src/net/files/bulk-wire.js';
import { LinkDataPath } from '../../../src/net/files/data-path.js';
import type { PeerLink } from '../../../src/net/peer-link.js';
import { dataPathContractCases, type DataPathRig } from '../../contracts/data-path-contract.js';
import { fakeChannelPair, fakePeerConnection, inProcessWorker } from '../../helpers/fake-bulk.js';

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

function bulk(): DataPathRig {
  const path = new LinkDataPath();
  const host = new BulkHost({ spawn: inProcessWorker });
  const [mine, theirs] = fakeChannelPair();
  const lane = host.open(fakePeerConnection(mine))!;
  const link = { isClosed: false, peer: { device: 'd' }, bulkLane: lane } as unknown as PeerLink;
  // As FileExchange does for every link: faults on a lane are heard even before anything is asked.
  path.watch(link);
  const whenOpen = new Promise<void>((resolve) => theirs.addEventListener('open', () => resolve()));
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
