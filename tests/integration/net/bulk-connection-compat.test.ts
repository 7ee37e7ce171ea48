/**
 * The bulk connection opens at a link's first file (docs/architecture.md §14.2, "The bulk
 * channel on a connection of its own"; docs/protocol.md §8.1), and still opens with a peer of
 * an older build, which offers as soon as it hears hello (tests/fixtures/bulk-connection-eager.ts,
 * the module as it shipped). Real WebRTC (@roamhq/wrtc) on loopback: the link's connection
 * and the bulk connection are real RTCPeerConnections, channel 1000 is the bulk channel a
 * page would hand its worker. Real Chromium opens it in tests/e2e/bulk-connection.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BULK_SIGNAL_CHANNEL_ID, openBulkConnection } from '../../../src/net/files/bulk-connection.js';
import type { BulkLane } from '../../../src/net/files/bulk-lane.js';
import { BULK_CHANNEL_ID } from '../../../src/net/files/bulk-wire.js';
import { allQuiet, loadWrtc } from '../../../src/node/wrtc.js';
import { openBulkConnection as openEagerBulkConnection } from '../../fixtures/bulk-connection-eager.js';
import { consoleLogger } from '../../helpers/node-peer.js';

const wrtc = (await loadWrtc(consoleLogger)) as { RTCPeerConnection: typeof RTCPeerConnection } | null;
if (!wrtc) throw new Error('@roamhq/wrtc did not load');
// The bulk connection makes its RTCPeerConnection from the global, as in a page.
globalThis.RTCPeerConnection = wrtc.RTCPeerConnection;

/** This build's signalling, or the older build's. */
type Build = 'lazy' | 'eager';

/** One end of a link, with its bulk connection's signalling. */
interface End {
  readonly link: RTCPeerConnection;
  /** Hellos heard on the signalling channel. */
  hellos: number;
  /** The bulk channel (id 1000) on this end's bulk connection, once the connection is made. */
  bulk: RTCDataChannel | null;
  /** This build's connection, or the older build's (made with the link). */
  bulkPc(): RTCPeerConnection | null;
  /** A get sent or heard on the link (the older build has no such call). */
  want(): void;
  close(): void;
}

const ends: End[] = [];

function end(build: Build, initiator: boolean): End {
  const link = new RTCPeerConnection();
  const bulkChannel = (pc: RTCPeerConnection): RTCDataChannel => pc.createDataChannel('parley-bulk', { negotiated: true, id: BULK_CHANNEL_ID, ordered: true });
  const self: End = { link, hellos: 0, bulk: null, bulkPc: () => null, want: () => undefined, close: () => undefined };
  // Listens on the signalling channel as well, to know when each hello came.
  const create = link.createDataChannel.bind(link);
  link.createDataChannel = (label: string, init?: RTCDataChannelInit) => {
    const channel = create(label, init);
    if (init?.id === BULK_SIGNAL_CHANNEL_ID) channel.addEventListener('message', (e: MessageEvent) => void ((JSON.parse(String(e.data)) as { t: string }).t === 'hello' && self.hellos++));
    return channel;
  };
  if (build === 'lazy') {
    const lane = { close: () => undefined } as unknown as BulkLane;
    const bulk = openBulkConnection({ link, initiator, config: {}, lane: (pc) => ((self.bulk = bulkChannel(pc)), lane) })!;
    Object.assign(self, { bulkPc: () => bulk.pc, want: () => bulk.want(), close: () => bulk.close() });
  } else {
    const bulk = openEagerBulkConnection({ link, initiator, config: {} })!;
    self.bulk = bulkChannel(bulk.pc);
    Object.assign(self, { bulkPc: () => bulk.pc, close: () => bulk.close() });
  }
  ends.push(self);
  return self;
}

/** All of `pc`'s candidates gathered (host candidates on loopback: quick). */
const gathered = (pc: RTCPeerConnection): Promise<void> =>
  new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
  });

/** Offers and answers the link's connection, as the rendezvous would (candidates in the descriptions). */
async function connect(a: End, b: End): Promise<void> {
  await a.link.setLocalDescription(await a.link.createOffer());
  await gathered(a.link);
  await b.link.setRemoteDescription(a.link.localDescription!);
  await b.link.setLocalDescription(await b.link.createAnswer());
  await gathered(b.link);
  await a.link.setRemoteDescription(b.link.localDescription!);
}

async function until(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Both ends' bulk channels open: the bulk connection works. */
const bulkOpen = (a: End, b: End): Promise<void> => until('both bulk channels open', () => a.bulk?.readyState === 'open' && b.bulk?.readyState === 'open');

/** Both hellos heard, and then long enough for an offer made at hello to have come (it does in a few ms here). */
async function helloed(a: End, b: End): Promise<void> {
  await until('both hellos', () => a.hellos === 1 && b.hellos === 1);
  await new Promise((r) => setTimeout(r, 300));
}

afterEach(async () => {
  const pcs = ends.flatMap((e) => [e.link, e.bulkPc()]);
  for (const e of ends.splice(0)) {
    e.close();
    e.link.close();
  }
  expect(await allQuiet(pcs)).toBe(true);
});

describe('bulk connection: opened at the first file', () => {
  it('between two ends of this build, none after both hellos, none at the answerer\'s get alone; the initiator\'s get (sent or heard) opens it', async () => {
    const [a, b] = [end('lazy', true), end('lazy', false)];
    await connect(a, b);
    await helloed(a, b);
    expect([a.bulkPc(), b.bulkPc()]).toEqual([null, null]);
    // Every get crosses the link, so the initiator always hears it: the answerer asks for nothing.
    b.want();
    await new Promise((r) => setTimeout(r, 300));
    expect([a.bulkPc(), b.bulkPc()]).toEqual([null, null]);
    a.want();
    await bulkOpen(a, b);
  });

  it('a get before the other end\'s hello: the initiator offers at that hello', async () => {
    const [a, b] = [end('lazy', true), end('lazy', false)];
    a.want();
    expect(a.bulkPc()).toBeNull();
    await connect(a, b);
    await bulkOpen(a, b);
  });
});

describe('bulk connection: with an older build, which offers at hello', () => {
  it('an older initiator gets its answer at once, before any file', async () => {
    const [a, b] = [end('eager', true), end('lazy', false)];
    await connect(a, b);
    await bulkOpen(a, b);
  });

  it('an older answerer takes this build\'s offer at the first file', async () => {
    const [a, b] = [end('lazy', true), end('eager', false)];
    await connect(a, b);
    await helloed(a, b);
    expect(a.bulkPc()).toBeNull();
    expect(b.bulk?.readyState).not.toBe('open');
    a.want();
    await bulkOpen(a, b);
  });
});
