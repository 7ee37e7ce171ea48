/**
 * Hostile input on `WS /signal` (docs/architecture.md §1.3, §6.3, §6.5). Every case asserts that
 * (a) the offending socket is closed with the expected code from `CloseCodes`,
 * (b) the server still answers `/healthz`, and
 * (c) a fresh well-behaved pair of clients still relays a publish.
 * Where the case is about memory, the topic/subscription counts are checked against the cap.
 */
import { describe, expect, it } from 'vitest';
import { CloseCodes, SignalingLimits } from '../../../src/core/wire/signaling.js';
import { expectRelayWorks, SignalClient, upgradeStatus } from '../../helpers/raw-signal-client.js';
import { healthz, waitUntil, type TestServer } from '../../helpers/signaling-server.js';
import { useSignalStage } from '../../helpers/signal-stage.js';

const { server, open } = useSignalStage();

/** (b) and (c): the process is up and other clients are unaffected. */
async function expectServerHealthy(s: TestServer): Promise<void> {
  const health = await healthz(s.httpUrl);
  expect(health.status).toBe(200);
  expect(health.body.ok).toBe(true);
  await expectRelayWorks(s.wsUrl);
}

describe('bad input on /signal closes only the offending socket', () => {
  it('malformed JSON → 4400', async () => {
    const s = await server();
    const bad = await open(s);
    bad.sendRaw('{"type":"subscribe","topics":["a"');
    expect(await bad.closed).toEqual({ code: CloseCodes.malformed, reason: 'frame is not valid JSON' });
    await waitUntil(() => s.server.metrics.closes(CloseCodes.malformed) === 1, 'the close to be counted');
    await expectServerHealthy(s);
  });

  it.each([
    ['topics is not an array', { type: 'subscribe', topics: 'room' }],
    ['a topic is a number', { type: 'subscribe', topics: [42] }],
    ['unsubscribe topics is an object', { type: 'unsubscribe', topics: { 0: 'room' } }],
    ['publish without topic', { type: 'publish', data: 'x' }],
    ['publish topic is a number', { type: 'publish', topic: 7, data: 'x' }],
    ['publish without data', { type: 'publish', topic: 'room' }],
    ['frame is an array', ['subscribe', 'room']],
    ['frame is null', null],
    ['frame is a string', 'ping'],
    ['type is missing', { topics: ['room'] }],
    ['type is unknown', { type: 'shout', topic: 'room' }],
  ])('wrong field types: %s → 4400', async (_name, frame) => {
    const s = await server();
    const bad = await open(s);
    bad.send(frame);
    const closed = await bad.closed;
    expect(closed.code).toBe(CloseCodes.malformed);
    expect(closed.reason.length).toBeGreaterThan(0);
    expect(s.server.stats().topics).toBe(0);
    await expectServerHealthy(s);
  });

  it('invalid UTF-8 in a text frame → 1007', async () => {
    const s = await server();
    const bad = await open(s);
    bad.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false);
    expect(await bad.closed).toEqual({ code: CloseCodes.invalidPayload, reason: 'invalid UTF-8' });
    await expectServerHealthy(s);
  });

  it('binary frame from a socket without a relay address → 1003', async () => {
    const s = await server();
    const bad = await open(s);
    bad.sendRaw(Buffer.from(JSON.stringify({ type: 'ping' })), true);
    expect(await bad.closed).toEqual({ code: CloseCodes.unsupportedData, reason: 'binary frames are relay frames: send relay-bind first' });
    await expectServerHealthy(s);
  });

  it('oversized frame (> maxFrameBytes) → 1009, without the server buffering it', async () => {
    const s = await server();
    const bad = await open(s);
    const data = 'x'.repeat(SignalingLimits.maxFrameBytes);
    bad.send({ type: 'publish', topic: 'room', data });
    // `ws` rejects the frame from its length header and sends 1009 itself (no reason).
    expect((await bad.closed).code).toBe(CloseCodes.tooBig);
    await waitUntil(() => s.server.metrics.closes(CloseCodes.tooBig) === 1, 'the close to be counted');
    expect(s.server.metrics.publishes).toBe(0);
    await expectServerHealthy(s);
  });

  it('a frame of exactly maxFrameBytes is still accepted', async () => {
    const s = await server();
    const a = await open(s);
    await a.subscribe(['room']);
    const envelope = JSON.stringify({ type: 'publish', topic: 'room', data: '' });
    a.send({ type: 'publish', topic: 'room', data: 'y'.repeat(SignalingLimits.maxFrameBytes - envelope.length) });
    expect(await a.next((m) => m.type === 'publish')).toMatchObject({ clients: 1 });
  });

  it('thousands of topics in one frame → 4413, nothing subscribed', async () => {
    const s = await server();
    const bad = await open(s);
    const topics = Array.from({ length: 5000 }, (_, i) => `t${i}`);
    bad.send({ type: 'subscribe', topics });
    expect((await bad.closed).code).toBe(CloseCodes.tooManyTopics);
    expect(s.server.stats().topics).toBe(0);
    await expectServerHealthy(s);
  });

  it('thousands of topics across many frames → 4413 once the per-socket cap is passed', async () => {
    const s = await server();
    const bad = await open(s);
    const cap = s.server.config.maxTopicsPerSocket;
    // Exactly the cap, ten topics per frame: accepted.
    for (let i = 0; i < cap; i += 10) bad.send({ type: 'subscribe', topics: Array.from({ length: 10 }, (_, j) => `t${i + j}`) });
    await bad.roundTrip();
    expect(s.server.stats()).toMatchObject({ topics: cap, subscriptions: cap });
    // Then a thousand more frames: the first one over the cap closes the socket.
    for (let i = cap; i < cap + 10_000; i += 10) bad.send({ type: 'subscribe', topics: Array.from({ length: 10 }, (_, j) => `t${i + j}`) });
    expect(await bad.closed).toEqual({ code: CloseCodes.tooManyTopics, reason: 'too many topics on this socket' });
    expect(s.server.stats().topics).toBe(0);
    await expectServerHealthy(s);
  });

  it.each([
    ['subscribe', (topic: string) => ({ type: 'subscribe', topics: [topic] })],
    ['publish', (topic: string) => ({ type: 'publish', topic, data: 1 })],
  ])('too-long topic in %s → 4400', async (_name, frame) => {
    const s = await server();
    const ok = await open(s);
    await ok.subscribe(['x'.repeat(SignalingLimits.maxTopicLength)]); // at the limit: fine
    const bad = await open(s);
    bad.send(frame('x'.repeat(SignalingLimits.maxTopicLength + 1)));
    expect((await bad.closed).code).toBe(CloseCodes.malformed);
    expect(s.server.stats().topics).toBe(1);
    await expectServerHealthy(s);
  });

  it('flood: more messages than the token bucket allows → 4429', async () => {
    const s = await server();
    const bad = await open(s);
    for (let i = 0; i < SignalingLimits.rateBurst * 3; i++) bad.send({ type: 'ping' });
    expect(await bad.closed).toEqual({ code: CloseCodes.rateLimited, reason: 'rate limit exceeded' });
    // The burst (plus whatever trickled in at ratePerSecond while sending) was served, the rest not.
    const pongs = bad.queue.filter((m) => m.type === 'pong').length;
    expect(pongs).toBeGreaterThanOrEqual(SignalingLimits.rateBurst);
    expect(pongs).toBeLessThan(SignalingLimits.rateBurst * 2);
    await expectServerHealthy(s);
  });

  it('a burst of exactly rateBurst messages is not a flood', async () => {
    const s = await server();
    const a = await open(s);
    for (let i = 0; i < SignalingLimits.rateBurst; i++) a.send({ type: 'ping' });
    for (let i = 0; i < SignalingLimits.rateBurst; i++) await a.next((m) => m.type === 'pong');
    expect(a.ws.readyState).toBe(a.ws.OPEN);
    expect(s.server.metrics.closes(CloseCodes.rateLimited)).toBe(0);
  });

  it('too many sockets from one address → 4430, and the slot frees up on close', async () => {
    const s = await server({ maxSocketsPerIp: 4 });
    const held = [await open(s), await open(s)]; // two slots stay with the healthy pair below
    const extra = await open(s);
    const overflow = await open(s);
    const refused = await open(s); // the fifth from 127.0.0.1
    expect(await refused.closed).toEqual({ code: CloseCodes.tooManySockets, reason: 'too many sockets from this address' });
    expect(s.server.stats().sockets).toBe(4);
    await Promise.all([extra.close(), overflow.close()]);
    await waitUntil(() => s.server.stats().sockets === 2, 'freed slots');
    await expectServerHealthy(s);
    expect(held.every((c) => c.ws.readyState === c.ws.OPEN)).toBe(true);
  });

  it('counts sockets per X-Forwarded-For address only when trustProxy is set', async () => {
    const viaProxy = (s: TestServer, ip: string): Promise<SignalClient> =>
      open(s, { headers: { 'X-Forwarded-For': `203.0.113.9, ${ip}` } });
    const trusting = await server({ maxSocketsPerIp: 1, trustProxy: true });
    await viaProxy(trusting, '10.0.0.1');
    await viaProxy(trusting, '10.0.0.2'); // another client behind the same proxy
    const again = await viaProxy(trusting, '10.0.0.1');
    expect((await again.closed).code).toBe(CloseCodes.tooManySockets);

    const naive = await server({ maxSocketsPerIp: 1 }); // header ignored: all are 127.0.0.1
    await viaProxy(naive, '10.0.0.1');
    const spoofed = await viaProxy(naive, '10.0.0.2');
    expect((await spoofed.closed).code).toBe(CloseCodes.tooManySockets);
    expect((await healthz(naive.httpUrl)).status).toBe(200);
  });

  it('counts an IPv6 client by its /64, and an IPv4 address written as IPv6 as the address', async () => {
    const viaProxy = (s: TestServer, ip: string): Promise<SignalClient> => open(s, { headers: { 'X-Forwarded-For': ip } });
    const s = await server({ maxSocketsPerIp: 2, trustProxy: true });
    await viaProxy(s, '2001:db8:1:2::1');
    await viaProxy(s, '2001:db8:1:2::2');
    // Any host holds its whole /64: counted one address each, it passed every cap.
    const third = await viaProxy(s, '2001:db8:1:2:ffff::3');
    expect((await third.closed).code).toBe(CloseCodes.tooManySockets);
    const otherHome = await viaProxy(s, '2001:db8:1:3::1');
    await viaProxy(s, '10.0.0.1');
    await viaProxy(s, '::ffff:10.0.0.1');
    const mapped = await viaProxy(s, '10.0.0.1');
    expect((await mapped.closed).code).toBe(CloseCodes.tooManySockets);
    expect(otherHome.ws.readyState).toBe(otherHome.ws.OPEN);
  });

  it("counts an IPv6 /48's sockets together, at a multiple of one /64's cap; an IPv4 address keeps its own cap", async () => {
    const viaProxy = (s: TestServer, ip: string): Promise<SignalClient> => open(s, { headers: { 'X-Forwarded-For': ip } });
    const s = await server({ maxSocketsPerIp: 2, ipv6SiteFactor: 2, trustProxy: true });
    // Two /64s of one /48 fill its 2 × 2; on the old code every /64 had its own 2, so a /48
    // holder had 65,536 × 2.
    const site: SignalClient[] = [];
    for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:3::1', '2001:db8:1:3::2']) site.push(await viaProxy(s, ip));
    const fifth = await viaProxy(s, '2001:db8:1:4::1');
    expect(await fifth.closed).toEqual({ code: CloseCodes.tooManySockets, reason: 'too many sockets from this network' });
    const otherSite = await viaProxy(s, '2001:db8:2:4::1');
    // An IPv4 address is its own site: a NAT keeps its whole cap, as before.
    const nat = [await viaProxy(s, '10.0.0.1'), await viaProxy(s, '10.0.0.1')];
    // A refused socket never answers a ping: these were let in.
    await Promise.all([otherSite, ...nat].map((c) => c.roundTrip()));
    expect(s.server.stats().sockets).toBe(7);
    // A socket closing gives its place back to the site.
    await site[0]!.close();
    await waitUntil(() => s.server.stats().sockets === 6, 'the freed place');
    await (await viaProxy(s, '2001:db8:1:4::1')).roundTrip();
  });

  it('more sockets than the server-wide cap → HTTP 503 at upgrade', async () => {
    const s = await server({ maxSockets: 2 });
    const a = await open(s);
    await open(s);
    expect(await upgradeStatus(s.wsUrl)).toBe(503);
    await a.close();
    await waitUntil(() => s.server.stats().sockets === 1, 'a freed slot');
    const health = await healthz(s.httpUrl);
    expect(health.status).toBe(200);
  });

  it('slow consumer: a receiver that stops reading is dropped with 1008 instead of buffered', async () => {
    const maxBufferedBytes = 256 * 1024;
    const s = await server({ maxBufferedBytes, rateBurst: 100_000, ratePerSecond: 100_000, closeGraceMs: 10_000 });
    const [slow, sender] = [await open(s), await open(s)];
    await slow.subscribe(['room']);
    await sender.subscribe(['room']);
    slow.ws.pause(); // stop reading: the kernel buffers fill, then the server's send buffer
    const data = 'z'.repeat(60 * 1024);
    let clients = 2;
    let sent = 0;
    // The sender sees its own echo; `clients` drops to 1 once the slow socket is gone.
    while (clients === 2) {
      if (sent > 4000) throw new Error('slow consumer was never dropped');
      for (let i = 0; i < 20; i++) sender.send({ type: 'publish', topic: 'room', data });
      sent += 20;
      for (let i = 0; i < 20; i++) clients = (await sender.next((m) => m.type === 'publish')).clients as number;
    }
    // Dropped at once: its subscription is gone although its close handshake cannot finish.
    expect(s.server.stats().subscriptions).toBe(1);
    slow.ws.resume();
    expect(await slow.closed).toEqual({ code: CloseCodes.policyViolation, reason: 'slow consumer' });
    await expectServerHealthy(s);
  });
});
