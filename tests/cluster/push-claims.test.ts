/**
 * Push sending does not double across nodes: two push senders (as two nodes would run them),
 * each on its own connection pool to one real PostgreSQL, both told of the same append,
 * deliver exactly one Web Push to a real HTTP push service; a later append is announced once
 * more, and an older one never after it.
 */
import { createHash, randomBytes } from 'node:crypto';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePushPayload } from '../../src/core/wire/push.js';
import { openStores, type ServerStores } from '../../signaling/backends.js';
import { createSilentLogger } from '../../signaling/logger.js';
import { DeliveryMetrics } from '../../signaling/metrics.js';
import { createWebPushSender, type PushSender } from '../../signaling/push/sender.js';
import { createHttpPushTransport } from '../../signaling/push/transport.js';
import { createSubscriberKeys, decryptPushBody } from '../helpers/push-crypto.js';
import { PushEndpoint } from '../helpers/push-endpoint.js';
import { PostgresCluster } from '../helpers/postgres-cluster.js';

let pg: PostgresCluster | undefined;
let service: PushEndpoint;
const nodes: { stores: ServerStores; sender: PushSender; metrics: DeliveryMetrics }[] = [];

beforeAll(async () => {
  pg = await PostgresCluster.start();
  service = await PushEndpoint.start();
  const vapid = webpush.generateVAPIDKeys();
  for (let i = 0; i < 2; i++) {
    const stores = await openStores({
      dataDir: '/nonexistent',
      databaseUrl: pg.url,
      maxMailboxBytes: 1 << 20,
      maxMailboxEntries: 100,
      mailboxTtlMs: 60_000,
      mailboxMaxPageBytes: 1 << 20,
      logger: createSilentLogger(),
    });
    const metrics = new DeliveryMetrics();
    const sender = createWebPushSender({
      subscriptions: stores.subscriptions,
      transport: createHttpPushTransport({ timeoutMs: 5000 }),
      vapid,
      subject: 'mailto:test@example.org',
      ttlSeconds: 60,
      policy: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 },
      concurrency: 4,
      maxQueue: 100,
      metrics,
      logger: createSilentLogger(),
    });
    nodes.push({ stores, sender, metrics });
  }
});
afterAll(async () => {
  for (const n of nodes) {
    await n.sender.close();
    await n.stores.close();
  }
  await service?.close();
  await pg?.stop();
});

describe('push claims across nodes', () => {
  it('two nodes told of the same append send one push between them', async () => {
    const keys = createSubscriberKeys();
    const name = `device-${randomBytes(4).toString('hex')}`;
    const mailbox = createHash('sha256').update(randomBytes(32)).digest('hex');
    await nodes[0]!.stores.subscriptions.upsert(
      { endpoint: service.url(name), endpointHash: createHash('sha256').update(service.url(name)).digest('hex'), p256dh: keys.json.p256dh, auth: keys.json.auth },
      [mailbox],
      Date.now(),
    );
    const both = async (seq: number): Promise<void> => {
      for (const n of nodes) n.sender.notify(mailbox, seq, null);
      await Promise.all(nodes.map((n) => n.sender.whenIdle()));
    };

    await both(1);
    expect(service.requests(name)).toHaveLength(1);
    await both(1);
    expect(service.requests(name)).toHaveLength(1);
    await both(2);
    // An older append learnt late is not announced after a newer one.
    for (const n of nodes) n.sender.notify(mailbox, 1, null);
    await Promise.all(nodes.map((n) => n.sender.whenIdle()));
    const pushes = service.requests(name);
    expect(pushes.map((p) => parsePushPayload(decryptPushBody(p.body, keys).toString("utf8"))?.seq)).toEqual([1, 2]);
    expect(nodes.reduce((s, n) => s + n.metrics.pushesSent, 0)).toBe(2);
  });
});
