/**
 * The y-webrtc signaling protocol (docs/protocol.md §1, docs/architecture.md §6.3): subscribe, unsubscribe, publish
 * relayed to every subscriber including the sender with `clients`, and ping/pong.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SignalClient } from '../../helpers/raw-signal-client.js';
import { healthz, startTestServer, waitUntil, type TestServer, metricsText } from '../../helpers/signaling-server.js';

let t: TestServer;
const clients: SignalClient[] = [];
const open = async (): Promise<SignalClient> => {
  const c = await SignalClient.open(t.wsUrl);
  clients.push(c);
  return c;
};

beforeEach(async () => {
  t = await startTestServer();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await t.close();
});

describe('signaling protocol (y-webrtc compatible)', () => {
  it('relays a publish to every subscriber, sender included, with clients = subscriber count', async () => {
    const [a, b, c, outsider] = [await open(), await open(), await open(), await open()];
    for (const x of [a, b, c]) await x.subscribe(['room']);
    // y-webrtc peers put extra fields next to `data`; the server must forward them untouched.
    const sent = { type: 'publish', topic: 'room', data: { type: 'announce', from: 'peer-a' }, extra: [1, 'two'] };
    a.send(sent);
    const got = await Promise.all([a, b, c].map((x) => x.next((m) => m.type === 'publish')));
    for (const m of got) expect(m).toEqual({ ...sent, clients: 3 });
    await outsider.roundTrip();
    expect(outsider.queuedPublishes()).toEqual([]);
    expect(t.server.metrics.publishes).toBe(1);
    expect(t.server.metrics.messagesRelayed).toBe(3);
  });

  it('sets clients itself, overriding a value the sender put in the message', async () => {
    const [a, b] = [await open(), await open()];
    await a.subscribe(['room']);
    await b.subscribe(['room']);
    a.send({ type: 'publish', topic: 'room', data: 'x', clients: 999 });
    expect(await b.next((m) => m.type === 'publish')).toMatchObject({ clients: 2 });
  });

  it('stops delivering to a socket after it unsubscribes', async () => {
    const [a, b] = [await open(), await open()];
    await a.subscribe(['room']);
    await b.subscribe(['room']);
    await b.unsubscribe(['room']);
    a.send({ type: 'publish', topic: 'room', data: 1 });
    expect(await a.next((m) => m.type === 'publish')).toMatchObject({ clients: 1, data: 1 });
    await b.roundTrip();
    expect(b.queuedPublishes()).toEqual([]);
  });

  it('answers ping with pong', async () => {
    const a = await open();
    a.send({ type: 'ping' });
    expect(await a.next()).toEqual({ type: 'pong' });
  });

  it('accepts a publish to a topic nobody subscribed to, and keeps the socket open', async () => {
    const a = await open();
    a.send({ type: 'publish', topic: 'empty-room', data: 'nobody hears this' });
    await a.roundTrip();
    expect(a.queuedPublishes()).toEqual([]);
    expect(t.server.metrics.publishes).toBe(1);
    expect(t.server.metrics.messagesRelayed).toBe(0);
    expect(t.server.stats().topics).toBe(0);
  });

  it('keeps topics isolated from each other', async () => {
    const [a, b] = [await open(), await open()];
    await a.subscribe(['one']);
    await b.subscribe(['two']);
    a.send({ type: 'publish', topic: 'one', data: 'for one' });
    b.send({ type: 'publish', topic: 'two', data: 'for two' });
    expect(await a.next((m) => m.type === 'publish')).toMatchObject({ topic: 'one', data: 'for one' });
    expect(await b.next((m) => m.type === 'publish')).toMatchObject({ topic: 'two', data: 'for two' });
    await a.roundTrip();
    await b.roundTrip();
    expect(a.queuedPublishes()).toEqual([]);
    expect(b.queuedPublishes()).toEqual([]);
  });

  it('treats a repeated subscribe as one subscription', async () => {
    const [a, b] = [await open(), await open()];
    await a.subscribe(['room', 'room']);
    await a.subscribe(['room']);
    await b.subscribe(['room']);
    b.send({ type: 'publish', topic: 'room', data: 0 });
    expect(await a.next((m) => m.type === 'publish')).toMatchObject({ clients: 2 });
    await a.roundTrip();
    expect(a.queuedPublishes()).toEqual([]);
    expect(t.server.stats().subscriptions).toBe(2);
  });

  it('forgets the topics of a socket that disconnects', async () => {
    const [a, b] = [await open(), await open()];
    await a.subscribe(['x', 'y']);
    await b.subscribe(['y']);
    expect((await healthz(t.httpUrl)).body).toMatchObject({ sockets: 2, topics: 2 });
    await a.close();
    await waitUntil(() => t.server.stats().sockets === 1, 'the server to see the close');
    expect((await healthz(t.httpUrl)).body).toMatchObject({ sockets: 1, topics: 1 });
    b.send({ type: 'publish', topic: 'y', data: 1 });
    expect(await b.next((m) => m.type === 'publish')).toMatchObject({ clients: 1 });
  });

  it('counts client close codes outside the known set under "other" (bounded metric labels)', async () => {
    const a = await open();
    const b = await open();
    a.ws.close(4123, 'custom');
    b.ws.close(1000);
    await Promise.all([a.closed, b.closed]);
    await waitUntil(() => t.server.stats().sockets === 0, 'both closes');
    expect(t.server.metrics.closes('other')).toBe(1);
    expect(t.server.metrics.closes(1000)).toBe(1);
    const text = await metricsText(t.httpUrl);
    expect(text).toContain('parley_signal_closes_total{code="other"} 1');
    expect(text).not.toContain('4123');
  });

  it('never logs or exposes payloads or topic names (docs/architecture.md §1: the server is blind)', async () => {
    const marker = 'SECRET-PAYLOAD-7f3e';
    const [a, b] = [await open(), await open()];
    await a.subscribe([`topic-${marker}`]);
    await b.subscribe([`topic-${marker}`]);
    a.send({ type: 'publish', topic: `topic-${marker}`, data: marker });
    await b.next((m) => m.type === 'publish');
    const bad = await open();
    bad.sendRaw(`{"type":"publish","data":"${marker}",`); // malformed: closes with 4400
    expect((await bad.closed).code).toBe(4400);
    const metrics = await metricsText(t.httpUrl);
    expect(metrics).not.toContain(marker);
    expect(JSON.stringify(t.logs)).not.toContain(marker);
  });
});
