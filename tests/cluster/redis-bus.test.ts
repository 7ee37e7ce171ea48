/**
 * Two real Parley nodes (in this process, each with its own SQLite) sharing one real
 * `redis-server`: topics and presence behave across nodes as on one node; a node listens on
 * a Redis channel only while it has a local subscriber; a publish reaches each subscriber
 * once and never comes back to the sender; a Redis restart is survived and `/healthz` says
 * so while it lasts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PresenceState } from '../../src/core/wire/signaling.js';
import { SignalClient, type Frame } from '../helpers/raw-signal-client.js';
import { startTestServer, waitUntil, type TestServer } from '../helpers/signaling-server.js';
import { RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
let probe: Redis;
let a: TestServer;
let b: TestServer;
const clients: SignalClient[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
  probe = new Redis(redis.url, { lazyConnect: true, retryStrategy: () => 100 });
  probe.on('error', () => {});
  await probe.connect();
  [a, b] = await Promise.all([startTestServer({ redisUrl: redis.url, nodeId: 'node-a' }), startTestServer({ redisUrl: redis.url, nodeId: 'node-b' })]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  probe?.disconnect();
  await redis?.stop();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function open(node: TestServer): Promise<SignalClient> {
  const c = await SignalClient.open(node.wsUrl);
  clients.push(c);
  return c;
}

/** Subscribes and waits until Redis has confirmed the node's channel subscription. */
async function subscribe(c: SignalClient, node: TestServer, topics: readonly string[]): Promise<void> {
  await c.subscribe(topics);
  await node.server.links.fanout!.settled();
}

const subscribers = async (channel: string): Promise<number> => Number(((await probe.pubsub('NUMSUB', channel)) as [string, number])[1]);
const publishesOf = (c: SignalClient, marker: string): Frame[] => c.queue.filter((m) => m.type === 'publish' && (m.data as { n?: string } | undefined)?.n === marker);
const nextStates = async (c: SignalClient, timeoutMs = 5000): Promise<PresenceState[]> => (await c.next((m) => m.type === 'presence-state', timeoutMs)).states as PresenceState[];

describe('topics across nodes', () => {
  it('a publish on node A reaches subscribers on A and B exactly once each', async () => {
    const topic = `t-${randomUUID()}`;
    const [onA, onB, otherB] = [await open(a), await open(b), await open(b)];
    await subscribe(onA, a, [topic]);
    await subscribe(onB, b, [topic]);
    await subscribe(otherB, b, [topic]);
    onA.send({ type: 'publish', topic, data: { n: 'first' } });
    // A second publish after the first: once it has arrived everywhere, any duplicate of the
    // first (Redis keeps per-channel order) would have arrived too.
    onA.send({ type: 'publish', topic, data: { n: 'second' } });
    for (const c of [onA, onB, otherB]) await c.next((m) => (m.data as { n?: string } | undefined)?.n === 'second');
    for (const c of [onA, onB, otherB]) expect(publishesOf(c, 'first')).toHaveLength(1);
    // The sender's node delivers its own copy with its local count; B with B's.
    expect(publishesOf(onA, 'first')[0]).toEqual({ type: 'publish', topic, data: { n: 'first' }, clients: 1 });
    expect(publishesOf(onB, 'first')[0]).toEqual({ type: 'publish', topic, data: { n: 'first' }, clients: 2 });
  });

  it('a node is subscribed to a topic channel only while it has a local subscriber', async () => {
    const topic = `t-${randomUUID()}`;
    const channel = `parley:t:${topic}`;
    expect(await subscribers(channel)).toBe(0);
    const [first, second] = [await open(b), await open(b)];
    await subscribe(first, b, [topic]);
    await subscribe(second, b, [topic]);
    expect(await subscribers(channel)).toBe(1);
    const onA = await open(a);
    await subscribe(onA, a, [topic]);
    expect(await subscribers(channel)).toBe(2);
    await first.unsubscribe([topic]);
    await b.server.links.fanout!.settled();
    expect(await subscribers(channel)).toBe(2);
    await second.close();
    await waitUntil(async () => (await subscribers(channel)) === 1, 'B to leave the channel');
    await onA.unsubscribe([topic]);
    await a.server.links.fanout!.settled();
    expect(await subscribers(channel)).toBe(0);
  });
});

describe('presence across nodes', () => {
  const newId = (): string => randomBytes(16).toString('hex');

  it('a watcher on B sees a device on A come online and go offline; two holders mean online until both leave', async () => {
    const id = newId();
    const watcher = await open(b);
    watcher.send({ type: 'presence-watch', ids: [id] });
    expect(await nextStates(watcher)).toEqual([{ id, online: false, lastSeen: null }]);
    await b.server.links.fanout!.settled();

    const deviceA = await open(a);
    deviceA.send({ type: 'presence', ids: [id] });
    expect(await nextStates(watcher)).toMatchObject([{ id, online: true }]);

    // The same id also held on B: no change to report.
    const deviceB = await open(b);
    deviceB.send({ type: 'presence', ids: [id] });
    await deviceB.roundTrip();
    await deviceA.close();
    // Still online (B holds it): a fresh watch on A says so.
    const watcherA = await open(a);
    watcherA.send({ type: 'presence-watch', ids: [id] });
    expect(await nextStates(watcherA)).toMatchObject([{ id, online: true }]);

    const before = Date.now();
    await deviceB.close();
    const [offline] = await nextStates(watcher);
    expect(offline).toMatchObject({ id, online: false });
    expect(offline!.lastSeen).toBeGreaterThanOrEqual(before - 1000);
    expect(await nextStates(watcherA)).toMatchObject([{ id, online: false }]);
    // Exactly one offline report each: nothing else queued.
    await watcher.roundTrip();
    expect(watcher.queue.filter((m) => m.type === 'presence-state')).toEqual([]);
  });
});

describe('Redis restart', () => {
  it('is survived: health says down while it is, then topics and presence work again', async () => {
    const topic = `t-${randomUUID()}`;
    const id = randomBytes(16).toString('hex');
    const [onA, onB] = [await open(a), await open(b)];
    await subscribe(onA, a, [topic]);
    await subscribe(onB, b, [topic]);
    onA.send({ type: 'presence', ids: [id] });
    await onA.roundTrip();

    await redis.pause();
    const health = await fetch(`${a.httpUrl}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ok: false, backends: { redis: 'down' } });
    // Local delivery does not need Redis.
    onA.send({ type: 'publish', topic, data: { n: 'during' } });
    await onA.next((m) => (m.data as { n?: string } | undefined)?.n === 'during');

    await redis.resume();
    await waitUntil(async () => (await fetch(`${a.httpUrl}/healthz`)).status === 200 && (await fetch(`${b.httpUrl}/healthz`)).status === 200, 'both nodes healthy again', 15_000);
    await Promise.all([a.server.links.fanout!.settled(), b.server.links.fanout!.settled()]);
    onA.send({ type: 'publish', topic, data: { n: 'after' } });
    await onB.next((m) => (m.data as { n?: string } | undefined)?.n === 'after');
    // Redis came back empty; node A claimed its held id again, so B sees it online.
    const watcher = await open(b);
    await waitUntil(async () => {
      watcher.send({ type: 'presence-watch', ids: [id] });
      return (await nextStates(watcher))[0]?.online === true;
    }, 'the id held on A to be online again');
  });
});
