/**
 * Server-wide limits of push subscriptions (docs/architecture.md §6.5): a cap on how many are
 * stored, and a purge of those nobody posted or woke for `pushSubscriptionTtlMs`. Through the
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
