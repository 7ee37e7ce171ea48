/**
 * The bulk worker's parts in-process, for unit tests of pure logic (docs/architecture.md
 * §14.2, "The bulk channel"): a pair of fake bulk channels (ordered, each message in a task of
 * its own, as a data channel delivers), and a "worker" that runs the real `BulkCore` on this
 * thread behind the same message interface. Real Chromium runs the real worker in
 * tests/e2e/files.test.ts.
 */
import { BulkCore, type BulkChannel, type FromBulkWorker, type ToBulkWorker } from '../../src/net/files/bulk-core.js';
import type { BulkWorkerLike } from '../../src/net/files/bulk-lane.js';

export class FakeBulkChannel extends EventTarget implements BulkChannel {
  readyState: RTCDataChannelState = 'connecting';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  binaryType: BinaryType = 'blob';
  other: FakeBulkChannel | null = null;
  /** Every message sent, as bytes. */
  readonly sent: Uint8Array[] = [];

  open(): void {
    this.readyState = 'open';
    this.dispatchEvent(new Event('open'));
  }

  send(data: Uint8Array<ArrayBuffer>): void {
    if (this.readyState !== 'open') throw new Error('channel not open');
    const copy = data.slice();
    this.sent.push(copy);
    const other = this.other;
    setTimeout(() => other?.receive(copy.buffer), 0);
  }

  /** Delivers a message as the remote would have sent it (anything, for hostile cases). */
  receive(data: unknown): void {
    if (this.readyState === 'open') this.dispatchEvent(new MessageEvent('message', { data }));
  }

  close(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
  }
}

/** Two ends of one fake bulk channel, opened together a task later. */
export function fakeChannelPair(): [FakeBulkChannel, FakeBulkChannel] {
  const a = new FakeBulkChannel();
  const b = new FakeBulkChannel();
  a.other = b;
  b.other = a;
  setTimeout(() => {
    a.open();
    b.open();
  }, 0);
  return [a, b];
}

/** A "worker" running BulkCore on this thread; messages cross in tasks of their own, as with a real worker. */
export function inProcessWorker(): BulkWorkerLike & { readonly heard: FromBulkWorker[] } {
  const heard: FromBulkWorker[] = [];
  const worker: BulkWorkerLike & { readonly heard: FromBulkWorker[] } = {
    heard,
    onmessage: null,
    postMessage: (message: ToBulkWorker) => setTimeout(() => core.handle(message), 0),
    terminate: () => undefined,
  };
  const core = new BulkCore((message) => {
    heard.push(message);
    setTimeout(() => worker.onmessage?.({ data: message } as MessageEvent<FromBulkWorker>), 0);
  });
  return worker;
}

/** A fake RTCPeerConnection whose createDataChannel hands out `channel`. */
export function fakePeerConnection(channel: FakeBulkChannel): RTCPeerConnection {
  return { createDataChannel: () => channel } as unknown as RTCPeerConnection;
}
