/**
 * Server-wide limits of push subscriptions (docs/architecture.md §6.5): a cap on how many are
 * stored, a share of it per address, and a purge of those nobody posted or woke for
 * `pushSubscriptionTtlMs`. Through the
 * real HTTP routes, with real `web-push` encryption to a local push service on loopback.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePushPayload } from '../../../src/core/wire/push.js';
import { decryptPushBody } from '../../helpers/push-crypto.js';
import { usePushStage, type PushDevice } from '../../helpers/push-stage.js';
import { MailboxClient, newMailbox, type MailboxCredentials } from '../../helpers/signaling-mailbox.js';
import { waitUntil, type TestServer } from '../../helpers/signaling-server.js';

const DAY = 24 * 60 * 60 * 1000;

const stage = usePushStage({ pushAllowLoopbackHttp: true, pushRetryBaseMs: 40 });
const { server, endpoints } = stage;
const newDevice = (): PushDevice => stage.device('caps');

const post = (s: TestServer, device: PushDevice, boxes: readonly MailboxCredentials[]) => stage.request(s, stage.body(device, boxes));

async function unsubscribe(s: TestServer, device: PushDevice): Promise<number> {
  return (await stage.request(s, { endpoint: device.endpoint }, { method: 'DELETE' })).status;
}

const follows = (s: TestServer): number => (s.server.db.prepare('SELECT count(*) AS n FROM push_follows').get() as { n: number }).n;

describe('the server-wide cap on push subscriptions', () => {
  it('refuses a new endpoint past the cap with 507 push-subscriptions-full and stores nothing; known endpoints still post, and a freed place is taken', async () => {
    const s = await server({ pushMaxSubscriptions: 2 });
    const [a, b, c] = [newDevice(), newDevice(), newDevice()];
    const [box1, box2] = [newMailbox(), newMailbox()];
    expect((await post(s, a, [box1])).status).toBe(201);
    expect((await post(s, b, [box1, box2])).status).toBe(201);

    // On the old code this was a 201 and a third row.
    const refused = await post(s, c, [box1, box2]);
    expect(refused.status).toBe(507);
    expect(refused.body).toMatchObject({ error: 'push-subscriptions-full' });
    expect(endpoints(s)).toEqual([a.endpoint, b.endpoint]);
    expect(follows(s)).toBe(3);

    // A device already stored may change what it follows at the cap.
    expect(await post(s, a, [box1, box2])).toEqual({ status: 201, body: { mailboxes: 2 } });
    expect(follows(s)).toBe(4);
    // The refused device is woken by nothing; the stored ones are, with real encryption.
    await new MailboxClient(s.httpUrl, box2).append('x');
    const woken = await stage.push.next(a.name);
    expect(parsePushPayload(decryptPushBody(woken.body, a.keys).toString('utf8'))).toEqual({ v: 1, mailbox: box2.id, seq: 1 });
    await s.server.pushIdle();
    expect(stage.push.requests(c.name)).toEqual([]);

    expect(await unsubscribe(s, b)).toBe(204);
    expect((await post(s, c, [box1])).status).toBe(201);
    expect(endpoints(s)).toEqual([a.endpoint, c.endpoint]);
  });
});

describe('the per-address bound on push subscriptions', () => {
  /** A post as if from `ip`, through the trusted proxy's header. */
  const postFrom = (s: TestServer, ip: string, device: PushDevice, boxes: readonly MailboxCredentials[]) =>
    stage.request(s, stage.body(device, boxes), { headers: { 'X-Forwarded-For': ip } });

  it('keeps one address from filling the server-wide cap: past its share a new endpoint from it gets 507 push-address-full, while other addresses and its stored endpoints still post, across a restart', async () => {
    const init = { trustProxy: true, pushMaxSubscriptions: 8, pushMaxSubscriptionsPerAddress: 3 };
    let s = await server(init);
    const box = newMailbox();
    const mine = [newDevice(), newDevice(), newDevice()];
    for (const [i, device] of mine.entries()) expect((await postFrom(s, `2001:db8:1:2::${i + 1}`, device, [box])).status).toBe(201);
    // One host posting fresh endpoints from its /64: on the old code they were stored until
    // the server's 8 were, and every other device then got 507 push-subscriptions-full.
    for (let i = 0; i < 8; i++) {
      expect(await postFrom(s, `2001:db8:1:2::${100 + i}`, newDevice(), [box])).toMatchObject({ status: 507, body: { error: 'push-address-full' } });
    }
    expect(endpoints(s)).toEqual(mine.map((d) => d.endpoint));
    // Its stored endpoints change what they follow, and one that moved posts from elsewhere.
    expect(await postFrom(s, '2001:db8:1:2::1', mine[0]!, [box, newMailbox()])).toEqual({ status: 201, body: { mailboxes: 2 } });
    expect((await postFrom(s, '192.0.2.7', mine[1]!, [box])).status).toBe(201);
    // The moved one stays counted where it was first posted: the IPv4 address has all 3 places.
    const others = [newDevice(), newDevice(), newDevice()];
    for (const device of others) expect((await postFrom(s, '192.0.2.7', device, [box])).status).toBe(201);
    expect((await postFrom(s, '192.0.2.7', newDevice(), [box])).body).toMatchObject({ error: 'push-address-full' });

    // The counts are kept with the subscriptions, under a key that survives a restart.
    s = await stage.restart(s, init);
    expect((await postFrom(s, '2001:db8:1:2::9', newDevice(), [box])).body).toMatchObject({ error: 'push-address-full' });
    const neighbour = newDevice();
    expect((await postFrom(s, '2001:db8:1:3::1', neighbour, [box])).status).toBe(201);
    expect(endpoints(s)).toEqual([...mine, ...others, neighbour].map((d) => d.endpoint));
  });

  it("counts an IPv6 /48's subscriptions together, at a multiple of one address's share", async () => {
    const s = await server({ trustProxy: true, pushMaxSubscriptionsPerAddress: 2, ipv6SiteFactor: 2 });
    const box = newMailbox();
    for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:3::1', '2001:db8:1:3::2']) expect((await postFrom(s, ip, newDevice(), [box])).status).toBe(201);
    // A third /64 of that /48 is refused: counted by /64 alone, a /48 holder had 65,536 shares.
    expect(await postFrom(s, '2001:db8:1:4::1', newDevice(), [box])).toMatchObject({ status: 507, body: { error: 'push-address-full' } });
    expect((await postFrom(s, '2001:db8:2:4::1', newDevice(), [box])).status).toBe(201);
    expect(endpoints(s)).toHaveLength(5);
  });
});

describe('the purge of unused push subscriptions', () => {
  it('deletes those neither posted nor woken for the time to live, and keeps one woken or posted since', async () => {
    let clock = Date.UTC(2026, 0, 1);
    const s = await server({ now: () => clock, pushSubscriptionTtlMs: 60 * DAY, mailboxPurgeIntervalMs: 50 });
    const [idle, woken, reposted] = [newDevice(), newDevice(), newDevice()];
    const [quiet, busy] = [newMailbox(), newMailbox()];
    for (const device of [idle, woken, reposted]) expect((await post(s, device, [quiet])).status).toBe(201);
    expect((await post(s, woken, [quiet, busy])).status).toBe(201);

    // 50 days on: a push to `woken` is delivered, `reposted` posts again, `idle` does nothing.
    clock += 50 * DAY;
    await new MailboxClient(s.httpUrl, busy).append('wake');
    await stage.push.next(woken.name);
    await s.server.pushIdle();
    expect((await post(s, reposted, [quiet])).status).toBe(201);
    expect(endpoints(s)).toHaveLength(3);

    // 61 days after the first posts: only `idle` is past its time to live.
    clock += 11 * DAY;
    await waitUntil(() => endpoints(s).length === 2, 'the purge of the idle subscription');
    expect(endpoints(s)).toEqual([woken.endpoint, reposted.endpoint]);
    expect(s.server.deliveryMetrics.pushSubscriptionsRemoved).toBe(1);
    // Its follows went with it.
    expect(follows(s)).toBe(3);
    const hash = createHash('sha256').update(idle.endpoint).digest('hex');
    expect(s.server.db.prepare('SELECT count(*) AS n FROM push_subscriptions WHERE endpoint_hash = ?').get(hash)).toEqual({ n: 0 });

    // And 61 days after those last uses, the others go too.
    clock += 61 * DAY;
    await waitUntil(() => endpoints(s).length === 0, 'the purge of the rest');
    expect(follows(s)).toBe(0);
  });
});
