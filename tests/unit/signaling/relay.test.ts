/**
 * The blind relay on `WS /signal` (docs/protocol.md §1.2): addresses, forwarding with the
 * source swapped in and the payload untouched, `relay-gone`, and every cap. Each bad-input
 * case closes only the offending socket while a good pair on the same server keeps
 * relaying.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CloseCodes, decodeRelayFrame, encodeRelayFrame, RELAY_ADDR } from '../../../src/core/wire/signaling.js';
import { configFromEnv, resolveConfig } from '../../../signaling/config.js';
import { ConfigError } from '../../../signaling/errors.js';
import { SignalClient, type CloseInfo } from '../../helpers/raw-signal-client.js';
import { type TestServer, metricsText } from '../../helpers/signaling-server.js';
import { useSignalStage } from '../../helpers/signal-stage.js';

const { server, open } = useSignalStage({ stunPort: null });

/** A client holding a relay address. */
interface Bound {
  readonly c: SignalClient;
  readonly addr: string;
}

async function bound(s: TestServer): Promise<Bound> {
  const c = await open(s);
  c.send({ type: 'relay-bind' });
  const m = await c.next((f) => f.type === 'relay-bound');
  return { c, addr: m.addr as string };
}

/** Sends one relay frame from `from` to `to` and checks it arrives intact, source swapped in. */
async function expectRelays(from: Bound, to: Bound, size = 100): Promise<void> {
  const payload = randomBytes(size);
  const before = to.c.binary.length;
  from.c.sendRaw(Buffer.from(encodeRelayFrame(to.addr, payload)), true);
  await to.c.binaryCount(before + 1);
  const got = decodeRelayFrame(to.c.binary[before]!);
  expect(got?.addr).toBe(from.addr);
  expect(Buffer.from(got!.payload).equals(payload)).toBe(true);
}

/** A good pair on the server, and a check that it still relays both ways. */
async function goodPair(s: TestServer): Promise<() => Promise<void>> {
  const a = await bound(s);
  const b = await bound(s);
  await expectRelays(a, b);
  return async () => {
    await expectRelays(a, b);
    await expectRelays(b, a, 16 * 1024);
  };
}

describe('relay addresses', () => {
  it('relay-bind gives a random 32-hex address, the same one when asked again, and a different one per socket', async () => {
    const s = await server();
    const a = await bound(s);
    const b = await bound(s);
    expect(a.addr).toMatch(RELAY_ADDR);
    expect(b.addr).toMatch(RELAY_ADDR);
    expect(a.addr).not.toBe(b.addr);
    a.c.send({ type: 'relay-bind' });
    expect((await a.c.next((f) => f.type === 'relay-bound')).addr).toBe(a.addr);
  });
});

describe('forwarding', () => {
  it('forwards a frame to the destination with the source address swapped in and the payload untouched', async () => {
    const s = await server();
    const a = await bound(s);
    const b = await bound(s);
    await expectRelays(a, b);
    await expectRelays(b, a, 20 * 1024 - 17);
    // Forwarded exactly once each, and counted by bytes.
    expect(a.c.binary).toHaveLength(1);
    expect(b.c.binary).toHaveLength(1);
    expect(s.server.networkMetrics.relayFrames).toBe(2);
    expect(s.server.networkMetrics.relayBytes).toBe(117 + 20 * 1024);
  });

  it('keeps the order of many frames from one sender', async () => {
    const s = await server();
    const a = await bound(s);
    const b = await bound(s);
    for (let i = 0; i < 500; i++) a.c.sendRaw(Buffer.from(encodeRelayFrame(b.addr, Uint8Array.of(i >> 8, i & 0xff))), true);
    await b.c.binaryCount(500);
    expect(b.c.binary.map((f) => (f[17]! << 8) | f[18]!)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('answers relay-gone for an address nobody holds, and for one whose socket closed', async () => {
    const s = await server();
    const a = await bound(s);
    const b = await bound(s);
    const nobody = randomBytes(16).toString('hex');
    a.c.sendRaw(Buffer.from(encodeRelayFrame(nobody, Uint8Array.of(1))), true);
    expect(await a.c.next((f) => f.type === 'relay-gone')).toEqual({ type: 'relay-gone', addr: nobody });
    await b.c.close();
    a.c.sendRaw(Buffer.from(encodeRelayFrame(b.addr, Uint8Array.of(2))), true);
    expect(await a.c.next((f) => f.type === 'relay-gone')).toEqual({ type: 'relay-gone', addr: b.addr });
    expect(s.server.networkMetrics.relayGone).toBe(2);
  });

  it('text signaling keeps working beside relay traffic on the same socket', async () => {
    const s = await server();
    const a = await bound(s);
    const b = await bound(s);
    await a.c.subscribe(['room']);
    await b.c.subscribe(['room']);
    a.c.sendRaw(Buffer.from(encodeRelayFrame(b.addr, Uint8Array.of(7))), true);
    a.c.send({ type: 'publish', topic: 'room', data: 'x' });
    await b.c.binaryCount(1);
    expect((await b.c.next((f) => f.type === 'publish')).data).toBe('x');
  });
});

describe('slow receivers of relayed traffic', () => {
  /** Sends `frames` 16 KiB frames from `from` to `to`, then waits until the server has handled them all. */
  async function push(from: Bound, to: string, frames: number): Promise<void> {
    const chunk = new Uint8Array(16 * 1024 - 17);
    for (let i = 0; i < frames; i++) from.c.sendRaw(Buffer.from(encodeRelayFrame(to, chunk)), true);
    await from.c.roundTrip();
  }

  it('an honest receiver with 24 relayed peers, each a full 256 KiB window ahead, is not dropped by the signaling buffer rule', async () => {
    // 6 MiB in flight: more than the kernel's socket buffers take (about 4 MiB here), less
    // than the relay allowance; the signaling-only allowance is set well below what queues.
    const s = await server({ maxBufferedBytes: 256 * 1024, relayMaxBufferedBytes: 8 << 20, relayBytesPerSecond: 64 << 20, relayBurstBytes: 64 << 20 });
    const receiver = await bound(s);
    const senders = await Promise.all(Array.from({ length: 24 }, () => bound(s)));
    await receiver.c.subscribe(['room']);
    await senders[0]!.c.subscribe(['room']);
    receiver.c.ws.pause(); // a phone on a slow link: it reads nothing for a while
    let peak = 0;
    for (const sender of senders) {
      await push(sender, receiver.addr, 16);
      peak = Math.max(peak, s.server.relayStats().queuedBytes);
    }
    // A publish to it now is judged by its signaling bytes alone, not by the relay backlog.
    senders[0]!.c.send({ type: 'publish', topic: 'room', data: 'still here?' });
    await senders[0]!.c.next((f) => f.type === 'publish');
    receiver.c.ws.resume();
    // More than a signaling-only socket may buffer was queued here, and that is fine.
    expect(peak).toBeGreaterThan(s.server.config.maxBufferedBytes);
    await receiver.c.binaryCount(24 * 16, 30_000);
    expect((await receiver.c.next((f) => f.type === 'publish')).data).toBe('still here?');
    expect(s.server.networkMetrics.relayCloses.get('slow-consumer')).toBeUndefined();
    await receiver.c.roundTrip();
    expect(s.server.relayStats().queuedBytes).toBe(0);
  });

  it('a receiver that stops reading is dropped with 1008 once its relay queue passes its cap; the server never holds much more', async () => {
    const relayMaxBufferedBytes = 1024 * 1024;
    const s = await server({ relayMaxBufferedBytes, relayBytesPerSecond: 256 << 20, relayBurstBytes: 256 << 20, relayTotalBytesPerSecond: 256 << 20 });
    const stillGood = await goodPair(s);
    const slow = await bound(s);
    const sender = await bound(s);
    slow.c.ws.pause();
    let peak = 0;
    for (let round = 0; !sender.c.queue.some((f) => f.type === 'relay-gone'); round++) {
      if (round > 400) throw new Error('the slow receiver was never dropped');
      await push(sender, slow.addr, 8);
      peak = Math.max(peak, s.server.relayStats().queuedBytes);
    }
    // Dropped at once: its address is gone although its close handshake cannot finish.
    expect(peak).toBeLessThanOrEqual(relayMaxBufferedBytes + 16 * 1024);
    expect(s.server.relayStats().queuedBytes).toBe(0);
    slow.c.ws.resume();
    expect(await slow.c.closed).toEqual({ code: CloseCodes.policyViolation, reason: 'slow consumer (relay)' });
    expect(s.server.networkMetrics.relayCloses.get('slow-consumer')).toBe(1);
    // The sender was not punished for the receiver's slowness.
    await stillGood();
    await expectRelays(sender, await bound(s));
  });

  it('under node-wide queue pressure, receivers holding more than one credit window are dropped first', async () => {
    const s = await server({ relayMaxQueuedBytes: 512 * 1024, relayBytesPerSecond: 256 << 20, relayBurstBytes: 256 << 20, relayTotalBytesPerSecond: 256 << 20 });
    const stillGood = await goodPair(s);
    const slow = await bound(s);
    const sender = await bound(s);
    slow.c.ws.pause();
    for (let round = 0; !sender.c.queue.some((f) => f.type === 'relay-gone'); round++) {
      if (round > 400) throw new Error('the slow receiver was never dropped');
      await push(sender, slow.addr, 8);
    }
    slow.c.ws.resume();
    expect((await slow.c.closed).code).toBe(CloseCodes.policyViolation);
    await stillGood();
  });
});

describe('bad input on the relay path closes only the offender', () => {
  async function expectClosed(c: SignalClient, code: number, reason: string): Promise<CloseInfo> {
    const closed = await c.closed;
    expect(closed).toEqual({ code, reason });
    return closed;
  }

  it('binary frame before relay-bind → 1003', async () => {
    const s = await server();
    const stillGood = await goodPair(s);
    const bad = await open(s);
    bad.sendRaw(Buffer.from(encodeRelayFrame(randomBytes(16).toString('hex'), Uint8Array.of(1))), true);
    await expectClosed(bad, CloseCodes.unsupportedData, 'binary frames are relay frames: send relay-bind first');
    await stillGood();
    expect(s.server.networkMetrics.relayCloses.get('unbound')).toBe(1);
  });

  it('frame over RELAY_MAX_FRAME_BYTES → 1009', async () => {
    const s = await server({ relayMaxFrameBytes: 20 * 1024 });
    const stillGood = await goodPair(s);
    const bad = await bound(s);
    const target = await bound(s);
    bad.c.sendRaw(Buffer.from(encodeRelayFrame(target.addr, new Uint8Array(20 * 1024 - 16))), true);
    await expectClosed(bad.c, CloseCodes.tooBig, 'relay frames are at most 20480 bytes');
    expect(target.c.binary).toEqual([]);
    await stillGood();
    await expectRelays(target, await bound(s));
  });

  it('malformed relay frame (wrong tag, short header) → 4400', async () => {
    const s = await server();
    const stillGood = await goodPair(s);
    for (const bytes of [Buffer.from([0x02, ...randomBytes(20)]), Buffer.from([0x01, 1, 2, 3])]) {
      const bad = await bound(s);
      bad.c.sendRaw(bytes, true);
      await expectClosed(bad.c, CloseCodes.malformed, 'not a relay frame');
    }
    await stillGood();
  });

  it('flooding past RELAY_BYTES_PER_SECOND → 4429; the receiver and others are unaffected', async () => {
    const s = await server({ relayBytesPerSecond: 64 * 1024, relayBurstBytes: 64 * 1024 });
    const stillGood = await goodPair(s);
    const bad = await bound(s);
    const target = await bound(s);
    const chunk = new Uint8Array(16 * 1024);
    for (let i = 0; i < 40; i++) bad.c.sendRaw(Buffer.from(encodeRelayFrame(target.addr, chunk)), true);
    await expectClosed(bad.c, CloseCodes.rateLimited, 'relay rate limit exceeded');
    // The burst got through (about 64 KiB), the rest did not.
    expect(target.c.binary.length).toBeLessThanOrEqual(6);
    await stillGood();
    await target.c.roundTrip();
  });

  it('tiny frames are charged at least 1 KiB each, so a flood of them is stopped too', async () => {
    const s = await server({ relayBytesPerSecond: 64 * 1024, relayBurstBytes: 64 * 1024 });
    const bad = await bound(s);
    const target = await bound(s);
    for (let i = 0; i < 200; i++) bad.c.sendRaw(Buffer.from(encodeRelayFrame(target.addr, Uint8Array.of(i))), true);
    await expectClosed(bad.c, CloseCodes.rateLimited, 'relay rate limit exceeded');
    expect(target.c.binary.length).toBeLessThanOrEqual(70);
  });

  it('the node-wide RELAY_TOTAL_BYTES_PER_SECOND closes the sender that hits it with 1013', async () => {
    const s = await server({ relayMaxFrameBytes: 20 * 1024, relayTotalBytesPerSecond: 40 * 1024 });
    const a = await bound(s);
    const b = await bound(s);
    const chunk = new Uint8Array(16 * 1024);
    for (let i = 0; i < 10; i++) a.c.sendRaw(Buffer.from(encodeRelayFrame(b.addr, chunk)), true);
    await expectClosed(a.c, CloseCodes.tryAgainLater, 'relay capacity of this server reached');
    expect(b.c.binary.length).toBeLessThanOrEqual(3);
    await b.c.roundTrip();
    expect(s.server.networkMetrics.relayCloses.get('node-capacity')).toBe(1);
  });

  it('frames to unknown addresses past the small budget → 4429', async () => {
    const s = await server({ relayUnknownTargetBurst: 5, relayUnknownTargetsPerSecond: 1 });
    const stillGood = await goodPair(s);
    const bad = await bound(s);
    for (let i = 0; i < 20; i++) bad.c.sendRaw(Buffer.from(encodeRelayFrame(randomBytes(16).toString('hex'), Uint8Array.of(i))), true);
    await expectClosed(bad.c, CloseCodes.rateLimited, 'too many frames to unknown relay addresses');
    expect(bad.c.queue.filter((f) => f.type === 'relay-gone').length).toBeLessThanOrEqual(6);
    await stillGood();
  });

  it('/metrics counts relay frames, bytes and closes by reason', async () => {
    const s = await server();
    const stillGood = await goodPair(s);
    await stillGood();
    const bad = await open(s);
    bad.sendRaw(Buffer.from([1, 2, 3]), true);
    await bad.closed;
    const text = await metricsText(s.httpUrl);
    expect(text).toMatch(/^parley_relay_frames_total 3$/m);
    expect(text).toMatch(/^parley_relay_bound 2$/m);
    expect(text).toMatch(/^parley_relay_closes_total\{reason="unbound"\} 1$/m);
    expect(text).not.toContain((await bound(s)).addr);
  });
});

describe('relay configuration', () => {
  it('reads RELAY_MAX_FRAME_BYTES, RELAY_BYTES_PER_SECOND (rate and burst) and RELAY_TOTAL_BYTES_PER_SECOND', () => {
    const c = resolveConfig(configFromEnv({ RELAY_MAX_FRAME_BYTES: '32768', RELAY_BYTES_PER_SECOND: '1048576', RELAY_TOTAL_BYTES_PER_SECOND: '8388608' }));
    expect([c.relayMaxFrameBytes, c.relayBytesPerSecond, c.relayBurstBytes, c.relayTotalBytesPerSecond]).toEqual([32768, 1048576, 1048576, 8388608]);
    const d = resolveConfig();
    expect([d.relayMaxFrameBytes, d.relayBytesPerSecond, d.relayTotalBytesPerSecond]).toEqual([20 * 1024, 4 << 20, 64 << 20]);
  });

  it('refuses caps that could never pass one full frame', () => {
    for (const env of [{ RELAY_MAX_FRAME_BYTES: '10' }, { RELAY_MAX_FRAME_BYTES: String(2 << 20) }, { RELAY_BYTES_PER_SECOND: '1000' }, { RELAY_TOTAL_BYTES_PER_SECOND: '0' }]) {
      expect(() => resolveConfig(configFromEnv(env)), JSON.stringify(env)).toThrow(ConfigError);
    }
  });
});
