/**
 * The built-in STUN responder: the pure codec against RFC 5769's test vectors, a real UDP
 * socket on port 0 (IPv4 and IPv6), seeded garbage that must never be answered or crash it,
 * and the reflection budget (bytes answered beyond bytes received, per source).
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../../signaling/logger.js';
import { NetworkMetrics } from '../../../signaling/metrics.js';
import { bindingResponseBytes, decodeXorMappedAddress, encodeBindingSuccess, parseBindingRequest } from '../../../signaling/stun/message.js';
import { startStunResponder, type StunLimits, type StunResponder } from '../../../signaling/stun/responder.js';
import { Rng } from '../../helpers/fuzz.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** RFC 5769 §2.1: a Binding request with SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY and FINGERPRINT. */
const RFC5769_REQUEST = hex(`
  00010058 2112a442 b7e7a701 bc34d686 fa87dfae
  80220010 5354554e 20746573 7420636c 69656e74
  00240004 6e0001ff
  80290008 932ff9b1 51263b36
  00060009 6576746a 3a683676 59202020
  00080014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
  80280004 e57a3bcf`);
const RFC5769_TXID = hex('b7e7a701bc34d686fa87dfae');

/** A minimal Binding request, as Chromium sends it (measured: 20 bytes, no attributes). */
function bindingRequest(txid: Uint8Array = randomTxid()): Uint8Array {
  const out = new Uint8Array(20);
  out.set([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]);
  out.set(txid, 8);
  return out;
}

/** A Binding request padded with a SOFTWARE attribute to `size` bytes (a multiple of 4, ≥ 24). */
function paddedRequest(size: number, txid: Uint8Array = randomTxid()): Uint8Array {
  const out = new Uint8Array(size);
  out.set(bindingRequest(txid));
  new DataView(out.buffer).setUint16(2, size - 20);
  new DataView(out.buffer).setUint16(20, 0x8022);
  new DataView(out.buffer).setUint16(22, size - 24);
  return out;
}

let txCounter = 0;
function randomTxid(): Uint8Array {
  const id = new Uint8Array(12);
  new DataView(id.buffer).setUint32(8, ++txCounter);
  return id;
}

describe('STUN message codec (RFC 8489)', () => {
  it('accepts the RFC 5769 sample request, with its FINGERPRINT checked, and returns its transaction id', () => {
    expect(parseBindingRequest(RFC5769_REQUEST)).toEqual(RFC5769_TXID);
    const badFingerprint = RFC5769_REQUEST.slice();
    badFingerprint[badFingerprint.length - 1]! ^= 1;
    expect(parseBindingRequest(badFingerprint)).toBeNull();
  });

  it('encodes XOR-MAPPED-ADDRESS exactly as the RFC 5769 sample responses do (IPv4 and IPv6)', () => {
    const v4 = encodeBindingSuccess(RFC5769_TXID, { family: 4, address: '192.0.2.1', port: 32853 });
    expect(v4.length).toBe(32);
    expect(Buffer.from(v4.subarray(0, 20)).toString('hex')).toBe('0101000c2112a442b7e7a701bc34d686fa87dfae');
    expect(Buffer.from(v4.subarray(20)).toString('hex')).toBe('002000080001a147e112a643');
    const v6 = encodeBindingSuccess(RFC5769_TXID, { family: 6, address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
    expect(v6.length).toBe(44);
    expect(Buffer.from(v6.subarray(20)).toString('hex')).toBe('002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9');
    expect(decodeXorMappedAddress(v6)).toEqual({ family: 6, address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
  });

  it('encodes compressed and IPv4-tailed IPv6 forms', () => {
    const r = encodeBindingSuccess(RFC5769_TXID, { family: 6, address: '::ffff:10.1.2.3', port: 1 });
    expect(decodeXorMappedAddress(r)).toEqual({ family: 6, address: '0:0:0:0:0:ffff:a01:203', port: 1 });
    expect(decodeXorMappedAddress(encodeBindingSuccess(RFC5769_TXID, { family: 6, address: '::1', port: 65535 }))).toEqual({ family: 6, address: '0:0:0:0:0:0:0:1', port: 65535 });
  });

  it('refuses every near miss of a Binding request', () => {
    const good = bindingRequest();
    expect(parseBindingRequest(good)).not.toBeNull();
    const mutate = (f: (b: Uint8Array) => void, base: Uint8Array = good): Uint8Array => {
      const b = base.slice();
      f(b);
      return b;
    };
    const cases: Record<string, Uint8Array> = {
      'too short': good.subarray(0, 19),
      'top bits set': mutate((b) => (b[0] = 0x40)),
      'a Binding response': mutate((b) => (b[0] = 0x01)),
      'a Binding indication': mutate((b) => (b[1] = 0x11)),
      'another method': mutate((b) => (b[1] = 0x03)),
      'no magic cookie (RFC 3489)': mutate((b) => (b[4] = 0)),
      'length field larger than the datagram': mutate((b) => (b[3] = 4)),
      'trailing bytes past the length field': Uint8Array.from([...good, 0, 0, 0, 0]),
      'length not a multiple of 4': mutate((b) => (b[3] = 2), Uint8Array.from([...good, 0, 0])),
      'attribute running past the end': mutate((b) => new DataView(b.buffer).setUint16(22, 8), paddedRequest(28)),
      'unknown comprehension-required attribute': mutate((b) => new DataView(b.buffer).setUint16(20, 0x0003), paddedRequest(28)),
      'FINGERPRINT not last': mutate((b) => {
        new DataView(b.buffer).setUint16(20, 0x8028);
        new DataView(b.buffer).setUint16(22, 4);
      }, paddedRequest(36)),
    };
    for (const [name, bytes] of Object.entries(cases)) expect(parseBindingRequest(bytes), name).toBeNull();
  });

  it('never throws on 200,000 seeded garbage and mutated datagrams, and accepts only strict Binding requests', () => {
    const rng = new Rng(0x57a9);
    const seeds = [bindingRequest(), paddedRequest(64), RFC5769_REQUEST];
    let accepted = 0;
    for (let i = 0; i < 200_000; i++) {
      const input = garbage(rng, seeds);
      const txid = parseBindingRequest(input);
      if (txid === null) continue;
      accepted++;
      const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
      expect(view.getUint16(0)).toBe(1);
      expect(view.getUint32(4)).toBe(0x2112a442);
      expect(view.getUint16(2)).toBe(input.length - 20);
      expect(txid).toEqual(input.slice(8, 20));
    }
    // Mutations of valid requests that keep them valid (flipped transaction id bits) exist.
    expect(accepted).toBeGreaterThan(0);
  });
});

/** One fuzz case: random bytes, or a valid request with bit flips, truncation, extension or a spliced header. */
function garbage(rng: Rng, seeds: readonly Uint8Array[]): Uint8Array {
  const base = rng.pick(seeds);
  switch (rng.int(5)) {
    case 0:
      return rng.bytes(rng.int(80));
    case 1: {
      const b = base.slice();
      for (let n = rng.range(1, 3); n > 0; n--) b[rng.int(b.length)]! ^= 1 << rng.int(8);
      return b;
    }
    case 2:
      return base.slice(0, rng.int(base.length));
    case 3:
      return Uint8Array.from([...base, ...rng.bytes(rng.range(1, 40))]);
    default: {
      const b = Uint8Array.from([...base.subarray(0, 20), ...rng.bytes(rng.int(10) * 4)]);
      new DataView(b.buffer).setUint16(2, b.length - 20);
      return b;
    }
  }
}

const GENEROUS: StunLimits = { stunExcessBurstBytes: 1 << 20, stunExcessBytesPerSecond: 1 << 20, stunTotalExcessBytesPerSecond: 1 << 24, stunMaxTrackedAddresses: 100 };

const responders: StunResponder[] = [];
const sockets: dgram.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await Promise.all(responders.splice(0).map((r) => r.close()));
});

/** `everyInterface` binds like a server with no HOST (dual-stack); otherwise 127.0.0.1. */
async function responder(limits: StunLimits = GENEROUS, everyInterface = false): Promise<{ port: number; metrics: NetworkMetrics }> {
  const host = everyInterface ? undefined : '127.0.0.1';
  const metrics = new NetworkMetrics();
  const r = await startStunResponder({ port: 0, host, limits, metrics, logger: createSilentLogger() });
  responders.push(r);
  return { port: r.port, metrics };
}

/** A UDP client that records every datagram it receives. */
async function client(type: 'udp4' | 'udp6' = 'udp4'): Promise<{ socket: dgram.Socket; received: Buffer[]; port: number }> {
  const socket = dgram.createSocket(type);
  sockets.push(socket);
  const received: Buffer[] = [];
  socket.on('message', (m) => received.push(m));
  await new Promise<void>((resolve) => socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', resolve));
  return { socket, received, port: socket.address().port };
}

const send = (socket: dgram.Socket, bytes: Uint8Array, port: number, host: string): Promise<void> =>
  new Promise((resolve, reject) => socket.send(bytes, port, host, (err) => (err ? reject(err) : resolve())));

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('STUN responder on a real UDP socket', () => {
  it('answers a Binding request with the source address and port, in 32 bytes', async () => {
    const { port, metrics } = await responder();
    const c = await client();
    const txid = randomTxid();
    await send(c.socket, bindingRequest(txid), port, '127.0.0.1');
    await until(() => c.received.length === 1, 'the response');
    const response = c.received[0]!;
    expect(response.length).toBe(bindingResponseBytes(4));
    expect(response.subarray(8, 20)).toEqual(Buffer.from(txid));
    expect(decodeXorMappedAddress(response)).toEqual({ family: 4, address: '127.0.0.1', port: c.port });
    expect(metrics.stunAnswered).toBe(1);
  });

  it('bound to every interface, answers IPv6 as IPv6 and IPv4 as IPv4 (not as ::ffff:)', async () => {
    const { port } = await responder(GENEROUS, true);
    const v6 = await client('udp6');
    const v4 = await client('udp4');
    await send(v6.socket, bindingRequest(), port, '::1');
    await send(v4.socket, bindingRequest(), port, '127.0.0.1');
    await until(() => v6.received.length === 1 && v4.received.length === 1, 'both responses');
    expect(decodeXorMappedAddress(v6.received[0]!)).toEqual({ family: 6, address: '0:0:0:0:0:0:0:1', port: v6.port });
    expect(v6.received[0]!.length).toBe(44);
    expect(decodeXorMappedAddress(v4.received[0]!)).toEqual({ family: 4, address: '127.0.0.1', port: v4.port });
  });

  it('stays silent to 20,000 seeded garbage datagrams, answers only the valid ones among them, and keeps answering', async () => {
    const { port, metrics } = await responder();
    const c = await client();
    const rng = new Rng(0xbad);
    const seeds = [bindingRequest(), paddedRequest(48)];
    const valid = new Set<string>();
    let sent = 0;
    const handled = (): number => metrics.stunAnswered + metrics.stunIgnored + metrics.stunLimited;
    for (let i = 0; i < 20_000; i++) {
      const d = garbage(rng, seeds);
      if (d.length === 0) continue;
      const txid = parseBindingRequest(d);
      if (txid !== null) valid.add(Buffer.from(txid).toString('hex'));
      await send(c.socket, d, port, '127.0.0.1');
      sent++;
      // In small batches, so the kernel's receive queue never overflows and every datagram is judged.
      if (sent % 50 === 0) await until(() => handled() === sent, 'the batch to be handled');
    }
    await until(() => handled() === sent, 'every datagram to be handled');
    // The responder is alive and not backed up: a fresh request is answered after all of it.
    // Sent again while unanswered, as a browser retransmits: the flood may fill the kernel's queue.
    const last = hex('eeeeeeeeeeeeeeeeeeeeeeee'); // no mutation of the seeds can produce it
    expect(valid.has('eeeeeeeeeeeeeeeeeeeeeeee')).toBe(false);
    const answered = (): boolean => c.received.some((r) => r.subarray(8, 20).equals(Buffer.from(last)));
    for (let i = 0; i < 50 && !answered(); i++) {
      await send(c.socket, bindingRequest(last), port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(answered()).toBe(true);
    for (const r of c.received) {
      expect(r.length).toBe(32);
      const id = r.subarray(8, 20).toString('hex');
      expect(valid.has(id) || id === Buffer.from(last).toString('hex')).toBe(true);
    }
    expect(metrics.stunAnswered).toBe(c.received.length);
    expect(metrics.stunIgnored).toBe(sent + 1 - c.received.length - metrics.stunLimited);
    expect(metrics.stunLimited).toBe(0);
    // Every valid request among the garbage was answered, once; nothing else was.
    expect(new Set(c.received.map((r) => r.subarray(8, 20).toString('hex')))).toEqual(new Set([...valid, Buffer.from(last).toString('hex')]));
  });

  it('never sends one source more than it sent plus its budget; requests at least as large as the answer always get one', async () => {
    const burst = 120; // ten answers of 20-byte requests (12 bytes over each)
    const { port, metrics } = await responder({ stunExcessBurstBytes: burst, stunExcessBytesPerSecond: 1, stunTotalExcessBytesPerSecond: 1 << 20, stunMaxTrackedAddresses: 100 });
    const c = await client();
    const started = performance.now();
    let bytesIn = 0;
    for (let i = 0; i < 200; i++) {
      const req = bindingRequest();
      bytesIn += req.length;
      await send(c.socket, req, port, '127.0.0.1');
    }
    // Padded to the size of the answer: no excess, so never limited.
    const padded = paddedRequest(32);
    await send(c.socket, padded, port, '127.0.0.1');
    bytesIn += padded.length;
    await until(() => c.received.some((r) => r.subarray(8, 20).equals(Buffer.from(padded.subarray(8, 20)))), 'the answer to the padded request');
    const elapsedS = (performance.now() - started) / 1000;
    const bytesOut = c.received.reduce((n, r) => n + r.length, 0);
    expect(bytesOut).toBeLessThanOrEqual(bytesIn + burst + Math.ceil(elapsedS) * 1);
    expect(metrics.stunLimited).toBeGreaterThan(150);
    expect(metrics.stunAnswered).toBeLessThanOrEqual(11 + Math.ceil(elapsedS / 12));
  });

  it('keeps other sources answered while one source is over its budget', async () => {
    const { port, metrics } = await responder({ stunExcessBurstBytes: 24, stunExcessBytesPerSecond: 1, stunTotalExcessBytesPerSecond: 1 << 20, stunMaxTrackedAddresses: 100 }, true);
    const flooder = await client('udp4');
    for (let i = 0; i < 50; i++) await send(flooder.socket, bindingRequest(), port, '127.0.0.1');
    await until(() => metrics.stunAnswered + metrics.stunLimited === 50, 'the flood to be handled');
    // ::1 is another source address as far as the budget is concerned.
    const other = await client('udp6');
    await send(other.socket, bindingRequest(), port, '::1');
    await until(() => other.received.length === 1, 'the other source to be answered');
    expect(metrics.stunLimited).toBeGreaterThanOrEqual(47);
  });
});
