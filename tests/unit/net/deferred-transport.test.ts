/**
 * DeferredTransport loads its real transport on first use (docs/architecture.md §5): what
 * it must do while the load is pending and at the moment it completes — signals queued in
 * order, settings carried over, state the inner transport already reached re-emitted, a
 * close during the load honoured, a failed load reported as a typed close. The transport
 * contract (transport-contract.test.ts) covers it once loaded.
 */
import { describe, expect, it } from 'vitest';
import { DeferredTransport } from '../../../src/net/deferred-transport.js';
import type { SignalableTransport, TransportCloseReason } from '../../../src/net/transport.js';
import { MemoryTransport, transportPair } from '../../helpers/memory-transport.js';

/** A memory transport that records the signals handed to it. */
class SignalRecorder extends MemoryTransport implements SignalableTransport {
  readonly signals: unknown[] = [];
  signal(signal: unknown): void {
    this.signals.push(signal);
  }
}

function recorderPair(): [SignalRecorder, MemoryTransport] {
  const [, b] = transportPair();
  const a = new SignalRecorder(`rec-${b.name}`);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** A load the test completes (or fails) by hand. */
function manualLoad<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  let calls = 0;
  return {
    load: () => (calls++, promise),
    get calls() {
      return calls;
    },
    resolve,
    reject,
  };
}

function events(t: DeferredTransport) {
  const seen: string[] = [];
  const closes: TransportCloseReason[] = [];
  t.on('open', () => seen.push('open'));
  t.on('message', (bytes) => seen.push(`message:${bytes.length}`));
  t.on('drain', () => seen.push('drain'));
  t.on('close', (reason) => (seen.push('close'), closes.push(reason)));
  return { seen, closes };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('DeferredTransport', () => {
  it('loads nothing until start(), then hands queued signals to the loaded transport in order', async () => {
    const [inner] = recorderPair();
    const loader = manualLoad<SignalableTransport>();
    const t = new DeferredTransport(loader.load);
    t.signal({ n: 1 });
    expect(loader.calls).toBe(0);
    t.start();
    expect(loader.calls).toBe(1);
    t.signal({ n: 2 });
    expect(t.loaded).toBeNull();
    loader.resolve(inner);
    await tick();
    expect(t.loaded).toBe(inner);
    t.signal({ n: 3 });
    expect(inner.signals).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    t.close();
  });

  it('sends nothing and reports empty state before the load, then passes through', async () => {
    const [inner, remote] = recorderPair();
    const loader = manualLoad<SignalableTransport>();
    const t = new DeferredTransport(loader.load).start();
    const { seen } = events(t);
    t.send(new Uint8Array(3));
    expect(t.bufferedAmount).toBe(0);
    expect(t.binding()).toEqual({ local: '', remote: '' });
    t.lowWaterMark = 1234;
    loader.resolve(inner);
    await tick();
    expect(inner.lowWaterMark).toBe(1234);
    expect(t.binding()).toEqual(inner.binding());
    inner.open();
    expect(t.isOpen).toBe(true);
    t.send(new Uint8Array(5));
    expect(remote.inbox.map((m) => m.length)).toEqual([5]);
    expect(t.bufferedAmount).toBe(5);
    remote.send(new Uint8Array(7));
    inner.flush();
    remote.flush();
    expect(seen).toEqual(['open', 'message:7', 'drain']);
    t.close();
  });

  it('re-emits open when the loaded transport is already open', async () => {
    const [inner] = recorderPair();
    inner.open();
    const t = new DeferredTransport(async () => inner).start();
    const { seen } = events(t);
    await tick();
    expect(seen).toEqual(['open']);
    expect(t.isOpen).toBe(true);
    t.close();
  });

  it('reports an already closed inner transport as closed by the remote', async () => {
    const [inner] = recorderPair();
    inner.close();
    const t = new DeferredTransport(async () => inner).start();
    const { closes } = events(t);
    await tick();
    expect(closes).toEqual(['closed-by-remote']);
  });

  it('closed while loading: the late transport is closed, never adopted, and queued signals are dropped', async () => {
    const [inner] = recorderPair();
    const loader = manualLoad<SignalableTransport>();
    const t = new DeferredTransport(loader.load).start();
    const { closes } = events(t);
    t.signal({ n: 1 });
    t.close();
    t.signal({ n: 2 });
    loader.resolve(inner);
    await tick();
    expect(t.loaded).toBeNull();
    expect(inner.isClosed).toBe(true);
    expect(inner.signals).toEqual([]);
    expect(closes).toEqual(['closed-locally']);
  });

  it('a failed load closes it once with load-failed', async () => {
    const loader = manualLoad<SignalableTransport>();
    const t = new DeferredTransport(loader.load).start();
    const { closes } = events(t);
    loader.reject(new Error('chunk missing'));
    await tick();
    t.close();
    expect(closes).toEqual(['load-failed']);
    expect(t.isClosed).toBe(true);
  });

  it('follows the inner close exactly once and stops listening to it', async () => {
    const [inner, remote] = recorderPair();
    const t = new DeferredTransport(async () => inner).start();
    const { seen, closes } = events(t);
    await tick();
    inner.open();
    remote.close();
    expect(closes).toEqual(['closed-by-remote']);
    // Nothing the old inner transport does reaches listeners of the deferred one any more.
    inner.emit('open', []);
    t.close();
    expect(seen).toEqual(['open', 'close']);
  });
});
