/**
 * Parley as two nodes (separate processes) sharing a real PostgreSQL and a real Redis, with
 * real Chromium users on different nodes: they chat; mail appended through one node is read
 * through the other, and so are a file's pieces in the blob area; a node SIGKILLed mid-conversation loses nothing acknowledged while its
 * clients fail over through a TCP balancer; Redis and PostgreSQL restarts are survived, with
 * clean 503s while PostgreSQL is down.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/bytes.js';
import { createDeviceKeys, signBytes } from '../../src/core/identity/keys.js';
import { CloseCodes, registrationText } from '../../src/core/wire/signaling.js';
import { launchChromium } from '../helpers/browser.js';
import { CLUSTER_METRICS_TOKEN, ParleyCluster } from '../helpers/parley-cluster.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { SignalClient } from '../helpers/raw-signal-client.js';
import { waitUntil } from '../helpers/signaling-server.js';
import { TcpBalancer } from '../helpers/tcp-balancer.js';

let cluster: ParleyCluster;
let browser: Browser;

beforeAll(async () => {
  cluster = await ParleyCluster.start(2);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
});

/** The same link on another origin (another node, or a balancer in front of the nodes). */
const via = (link: string, origin: string): string => {
  const url = new URL(link);
  return `${origin}${url.pathname}${url.search}${url.hash}`;
};

/** Alice on `aliceOrigin` starts a conversation; Bob joins on `bobOrigin`; they exchange a hello. */
async function pair(name: string, aliceOrigin: string, bobOrigin: string): Promise<{ alice: ParleyUser; bob: ParleyUser; bobUrl: string }> {
  const alice = await ParleyUser.create(browser, `Alice ${name}`);
  const bob = await ParleyUser.create(browser, `Bob ${name}`);
  await alice.start(aliceOrigin);
  const invite = await alice.newConversation();
  await bob.open(via(invite, bobOrigin));
  await bob.register();
  await alice.waitForPeers(1);
  await bob.waitForPeers(1);
  await alice.send(`${name}: hello`);
  await bob.waitForMessage(`${name}: hello`);
  return { alice, bob, bobUrl: bob.page.url() };
}

async function reopen(user: ParleyUser, url: string): Promise<void> {
  user.page = await user.context.newPage();
  await user.open(url);
  await user.log.waitFor();
}

/** A fresh mailbox: a random bearer token and the id it opens (hex SHA-256 of its bytes). */
function mailbox(): { token: string; url: (origin: string) => string } {
  const token = randomBytes(32).toString('base64url');
  const id = createHash('sha256').update(Buffer.from(token, 'base64url')).digest('hex');
  return { token, url: (origin) => `${origin}/api/mailbox/${id}` };
}

describe('two nodes, one PostgreSQL, one Redis', () => {
  it('two users on different nodes chat', async () => {
    const [node1, node2] = [cluster.node(1), cluster.node(2)];
    const { alice, bob } = await pair('apart', node1.url, node2.url);
    expect(new URL(alice.page.url()).port).toBe(String(node1.port));
    expect(new URL(bob.page.url()).port).toBe(String(node2.port));
    await bob.send('from node 2');
    await alice.waitForMessage('from node 2');
    await alice.send('from node 1');
    await bob.waitForMessage('from node 1');
    await Promise.all([alice.close(), bob.close()]);
  });

  it("an offline member's mail appended through node 1 is read through node 2", async () => {
    const { alice, bob, bobUrl } = await pair('mail', cluster.node(1).url, cluster.node(2).url);
    await bob.page.close();
    const texts = Array.from({ length: 5 }, (_, i) => `through node 1, ${i + 1}`);
    for (const text of texts) await alice.send(text);
    await alice.waitForDelivered(texts, 60_000);
    await alice.close();

    await reopen(bob, bobUrl);
    expect(new URL(bob.page.url()).port).toBe(String(cluster.node(2).port));
    await bob.waitForMessage(texts.at(-1)!, 30_000);
    expect((await bob.timelineTexts()).filter((t) => t.startsWith('through node 1'))).toEqual(texts);
    await bob.close();
  });

  it("a file's pieces stored through node 1 are read through node 2, and deleted by their writer through node 2", async () => {
    const [node1, node2] = [cluster.node(1), cluster.node(2)];
    for (const node of [node1, node2]) {
      // On PostgreSQL the blob area exists too, so clients send files through the mailbox.
      expect(((await (await fetch(`${node.url}/api/config`)).json()) as { mailboxMaxFileBytes: number }).mailboxMaxFileBytes).toBe(25 * 1024 * 1024);
    }
    const box = mailbox();
    const blob = randomBytes(32).toString('hex');
    const writerKey = randomBytes(32).toString('base64url');
    const writer = createHash('sha256').update(Buffer.from(writerKey, 'base64url')).digest('hex');
    const auth = { Authorization: `Bearer ${box.token}` };
    const chunk = randomBytes(70_000);
    const put = await fetch(`${box.url(node1.url)}/blobs/${blob}/0`, { method: 'PUT', headers: { ...auth, 'X-Parley-Writer': writer, 'Content-Type': 'application/octet-stream' }, body: chunk });
    expect(put.status).toBe(201);
    // The first write wins across nodes too.
    expect((await fetch(`${box.url(node2.url)}/blobs/${blob}/0`, { method: 'PUT', headers: auth, body: randomBytes(70_000) })).status).toBe(200);
    const got = await fetch(`${box.url(node2.url)}/blobs/${blob}/0`, { headers: auth });
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(chunk)).toBe(true);
    const deleted = await fetch(`${box.url(node2.url)}/blobs/${blob}`, { method: 'DELETE', headers: { ...auth, 'X-Parley-Writer-Key': writerKey } });
    expect(await deleted.json()).toEqual({ deleted: 1 });
    expect((await fetch(`${box.url(node1.url)}/blobs/${blob}/0`, { headers: auth })).status).toBe(404);
  });

  it('a node SIGKILLed mid-conversation: its clients fail over and nothing acknowledged is lost', async () => {
    const [node1, node2] = [cluster.node(1), cluster.node(2)];
    // Each user reaches the cluster through a balancer; Alice's prefers node 1, Bob's node 2.
    const lbAlice = await TcpBalancer.start([node1.port, node2.port]);
    const lbBob = await TcpBalancer.start([node2.port, node1.port]);
    try {
      const { alice, bob, bobUrl } = await pair('failover', lbAlice.url, lbBob.url);
      expect(lbAlice.routed.get(node2.port) ?? 0).toBe(0);
      await bob.page.close();
      // Every 201 the mailbox answers Alice is an acknowledgement that must not be lost.
      let acknowledged = 0;
      alice.page.on('response', (res) => {
        if (res.request().method() === 'POST' && res.url().includes('/api/mailbox/') && res.status() === 201) acknowledged++;
      });

      const texts = Array.from({ length: 10 }, (_, i) => `across the kill ${i + 1}`);
      for (const [i, text] of texts.entries()) {
        await alice.send(text);
        if (i === 3) {
          // Let the first sends be acknowledged by node 1, then kill it while Alice goes on.
          await alice.waitForDelivered(texts.slice(0, 4), 60_000);
          await node1.kill9();
        }
      }
      await alice.waitForDelivered(texts, 90_000);
      expect(acknowledged).toBeGreaterThanOrEqual(2);
      // Alice's page now talks to node 2 through her balancer.
      expect(lbAlice.routed.get(node2.port) ?? 0).toBeGreaterThan(0);

      await reopen(bob, bobUrl);
      await bob.waitForMessage(texts.at(-1)!, 60_000);
      expect((await bob.timelineTexts()).filter((t) => t.startsWith('across the kill'))).toEqual(texts);
      // And they still chat live, both now on node 2.
      await alice.waitForPeers(1, 60_000);
      await bob.send('still here');
      await alice.waitForMessage('still here');
      await Promise.all([alice.close(), bob.close()]);
    } finally {
      await Promise.all([lbAlice.close(), lbBob.close()]);
      if (!node1.running) await node1.spawn();
    }
  });

  it('a Redis restart is survived: users on different nodes still find each other afterwards', async () => {
    const [node1, node2] = [cluster.node(1), cluster.node(2)];
    const alice = await ParleyUser.create(browser, 'Alice redis');
    await alice.start(node1.url);
    const invite = await alice.newConversation();

    await cluster.redis.pause();
    await waitUntil(async () => (await fetch(`${node2.url}/healthz`)).status === 503, 'node 2 to report Redis down');
    expect(await (await fetch(`${node1.url}/healthz`)).json()).toMatchObject({ ok: false, backends: { redis: 'down', postgres: 'up' } });
    await cluster.redis.resume();
    await waitUntil(async () => (await fetch(`${node1.url}/healthz`)).ok && (await fetch(`${node2.url}/healthz`)).ok, 'both nodes healthy again', 20_000);

    // Bob joins through node 2 after the restart: signaling must cross the restarted Redis.
    const bob = await ParleyUser.create(browser, 'Bob redis');
    await bob.open(via(invite, node2.url));
    await bob.register();
    await alice.waitForPeers(1, 60_000);
    await alice.send('after the Redis restart');
    await bob.waitForMessage('after the Redis restart');
    await Promise.all([alice.close(), bob.close()]);
  });

  it('each node reports its PostgreSQL and Redis latency on /metrics, and every log line names the node', async () => {
    for (const [i, node] of [cluster.node(1), cluster.node(2)].entries()) {
      const res = await fetch(`${node.url}/metrics`, { headers: { Authorization: `Bearer ${CLUSTER_METRICS_TOKEN}` } });
      expect(res.status).toBe(200);
      const text = await res.text();
      const sample = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
      expect(sample('parley_postgres_query_seconds_count')).toBeGreaterThan(0);
      expect(sample('parley_redis_command_seconds_count')).toBeGreaterThan(0);
      expect(sample('parley_redis_published_total')).toBeGreaterThan(0);
      expect(text).toContain('parley_backend_up{backend="postgres"} 1');
      expect(text).toContain('parley_backend_up{backend="redis"} 1');
      const lines = node.output().split('\n').filter((l) => l.startsWith('{'));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(JSON.parse(line)).toMatchObject({ node: `node${i + 1}` });
    }
  });

  it('a PostgreSQL restart: requests fail cleanly with 503 while it is down, then resume', async () => {
    const [node1, node2] = [cluster.node(1), cluster.node(2)];
    const box = mailbox();
    const post = (origin: string, body: string): Promise<Response> =>
      fetch(box.url(origin), { method: 'POST', headers: { Authorization: `Bearer ${box.token}`, 'Content-Type': 'application/octet-stream' }, body });
    expect((await post(node1.url, 'before')).status).toBe(201);

    const { alice, bob } = await pair('postgres', node1.url, node2.url);
    await bob.page.close();

    cluster.postgres.pause('fast');
    try {
      const refused = await post(node1.url, 'during');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('2');
      expect(await refused.json()).toEqual({ error: 'unavailable', detail: 'postgres is unavailable; try again shortly' });
      expect((await fetch(box.url(node2.url), { headers: { Authorization: `Bearer ${box.token}` } })).status).toBe(503);
      const health = await fetch(`${node2.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ ok: false, backends: { postgres: 'down', redis: 'up' } });
      // The node itself stays up: the app still loads.
      expect((await fetch(`${node1.url}/`)).status).toBe(200);
      // A device registering now is told to try again later (1013), not that its key is bad.
      const device = await createDeviceKeys();
      const socket = await SignalClient.open(`ws://127.0.0.1:${node1.port}/signal`);
      socket.send({ type: 'challenge' });
      const { nonce } = (await socket.next((m) => m.type === 'challenge')) as { nonce: string };
      socket.send({ type: 'register', key: device.public, sig: await signBytes(device.signPrivate, utf8(registrationText(nonce, device.public))) });
      expect((await socket.closed).code).toBe(CloseCodes.tryAgainLater);
      // A message written now waits: nothing can acknowledge it.
      await alice.send('written while the database is down');
      await alice.page.waitForTimeout(2000);
      expect(await alice.messageRow('written while the database is down').locator('[data-status="sent"]').count()).toBe(0);
    } finally {
      await cluster.postgres.resume();
    }

    await waitUntil(async () => (await post(node2.url, 'after')).status === 201, 'appends to work again', 20_000);
    const page = (await (await fetch(box.url(node1.url), { headers: { Authorization: `Bearer ${box.token}` } })).json()) as { entries: { data: string }[] };
    expect(page.entries.map((e) => Buffer.from(e.data, 'base64url').toString())).toEqual(['before', 'after']);
    await alice.waitForDelivered(['written while the database is down'], 60_000);
    await Promise.all([alice.close(), bob.close()]);
  });
});
