/**
 * Web Push wake-ups (docs/architecture.md §6.3, §7.4; contract in src/core/wire/push.ts) end to end:
 * a real server, real `web-push` encryption and VAPID signing, and a local RFC 8030 push
 * service on loopback. The receiving side is implemented independently from the RFCs
 * (tests/helpers/push-crypto.ts): the JWT is verified (RFC 8292) and the body decrypted
 * (RFC 8291, RFC 8188 aes128gcm) with node:crypto, with subscriptions made from real keys.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePushPayload, PUSH_PAYLOAD_BYTES } from '../../../src/core/wire/push.js';
import type { ParleyServerInit } from '../../../signaling/config.js';
import { VapidKeyError } from '../../../signaling/errors.js';
import { createSubscriberKeys, decryptPushBody, verifyVapidAuthorization } from '../../helpers/push-crypto.js';
import type { RecordedPush } from '../../helpers/push-endpoint.js';
import { usePushStage, type PushDevice } from '../../helpers/push-stage.js';
import { MailboxClient, newMailbox, type MailboxCredentials } from '../../helpers/signaling-mailbox.js';
import { startTestServer, waitUntil, type TestServer } from '../../helpers/signaling-server.js';

const SUBJECT = 'mailto:ops@parley.test';
const PUSH_TTL = 3600;
const PUSH_CONFIG: ParleyServerInit = { pushAllowLoopbackHttp: true, vapidSubject: SUBJECT, pushTtlSeconds: PUSH_TTL, pushRetryBaseMs: 40 };

const stage = usePushStage(PUSH_CONFIG);
const { server } = stage;

let endpointCounter = 0;

/** A browser-like subscription with fresh real keys, registered for `boxes`. */
async function subscribe(s: TestServer, boxes: readonly MailboxCredentials[], label = 'device'): Promise<PushDevice> {
  const device = stage.device(label);
  const res = await postSubscription(s, stage.body(device, boxes));
  expect(res.status).toBe(201);
  expect(res.body).toEqual({ mailboxes: boxes.length });
  return device;
}

const postSubscription = (s: TestServer, body: unknown, method = 'POST') => stage.request(s, body, { method });

const subscriptionRows = (s: TestServer): number => stage.endpoints(s).length;

function decrypted(p: RecordedPush, sub: PushDevice): ReturnType<typeof parsePushPayload> {
  const plaintext = decryptPushBody(p.body, sub.keys);
  expect(plaintext.length).toBe(PUSH_PAYLOAD_BYTES);
  return parsePushPayload(plaintext.toString('utf8'));
}

describe('VAPID keys', () => {
  it('are made on first start, served at /api/push/vapid, kept 0600 in vapid.json, and reused after a restart', async () => {
    const s = await server();
    const res = await fetch(`${s.httpUrl}/api/push/vapid`);
    expect(res.status).toBe(200);
    const { publicKey } = (await res.json()) as { publicKey: string };
    const raw = Buffer.from(publicKey, 'base64url');
    expect(raw.length).toBe(65);
    expect(raw[0]).toBe(4);
    expect(publicKey).toBe(s.server.vapidPublicKey);
    const file = path.join(s.dir, 'data', 'vapid.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const t = await stage.restart(s);
    expect(((await (await fetch(`${t.httpUrl}/api/push/vapid`)).json()) as { publicKey: string }).publicKey).toBe(publicKey);
    expect((await fetch(`${t.httpUrl}/api/push/vapid`, { method: 'POST' })).status).toBe(405);
  });

  it('refuses to start on an unusable vapid.json instead of silently replacing it', async () => {
    const s = await server();
    await s.server.close();
    const file = path.join(s.dir, 'data', 'vapid.json');
    await writeFile(file, '{"publicKey":"short","privateKey":"short"}');
    await expect(startTestServer(PUSH_CONFIG, s.dir)).rejects.toBeInstanceOf(VapidKeyError);
    expect(await readFile(file, 'utf8')).toBe('{"publicKey":"short","privateKey":"short"}');
  });
});

describe('a mailbox append wakes its followers', () => {
  it('with a VAPID-signed aes128gcm push that decrypts to { v: 1, mailbox, seq } padded to 256 bytes', async () => {
    const s = await server();
    const box = newMailbox();
    const device = await subscribe(s, [box]);
    const started = Math.floor(Date.now() / 1000);
    expect((await new MailboxClient(s.httpUrl, box).append('sealed')).body).toEqual({ seq: 1 });
    const received = await stage.push.next(device.name);

    expect(received.headers['content-encoding']).toBe('aes128gcm');
    expect(received.headers.ttl).toBe(String(PUSH_TTL));
    const vapid = verifyVapidAuthorization(String(received.headers.authorization));
    expect(vapid.header).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    expect(vapid.key).toBe(s.server.vapidPublicKey);
    expect(vapid.claims.aud).toBe(stage.push.origin);
    expect(vapid.claims.sub).toBe(SUBJECT);
    expect(typeof vapid.claims.exp).toBe('number');
    const exp = vapid.claims.exp as number;
    expect(exp).toBeGreaterThan(started);
    expect(exp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 24 * 3600);

    expect(decrypted(received, device)).toEqual({ v: 1, mailbox: box.id, seq: 1 });
    await s.server.pushIdle();
    expect(s.server.deliveryMetrics.pushesSent).toBe(1);
  });

  it('announces each later seq, only to followers of that mailbox', async () => {
    const s = await server();
    const [a, b] = [newMailbox(), newMailbox()];
    const followsA = await subscribe(s, [a]);
    const followsBoth = await subscribe(s, [a, b]);
    const boxB = new MailboxClient(s.httpUrl, b);
    await boxB.append('b-1');
    expect(decrypted(await stage.push.next(followsBoth.name), followsBoth)).toEqual({ v: 1, mailbox: b.id, seq: 1 });
    await s.server.pushIdle();
    await boxB.append('b-2');
    expect(decrypted(await stage.push.next(followsBoth.name), followsBoth)).toEqual({ v: 1, mailbox: b.id, seq: 2 });
    await s.server.pushIdle();
    expect(stage.push.requests(followsA.name)).toEqual([]);
  });

  it("skips the writer's own subscription named by X-Parley-Exclude", async () => {
    const s = await server();
    const box = newMailbox();
    const writer = await subscribe(s, [box], 'writer');
    const reader = await subscribe(s, [box], 'reader');
    await new MailboxClient(s.httpUrl, box).append('from the writer', { 'X-Parley-Exclude': writer.hash });
    expect(decrypted(await stage.push.next(reader.name), reader)).toEqual({ v: 1, mailbox: box.id, seq: 1 });
    await s.server.pushIdle();
    expect(stage.push.requests(writer.name)).toEqual([]);
  });

  it('does not delay the 201: the append is answered while the push is still in flight', async () => {
    const s = await server({ pushTimeoutMs: 60_000 });
    const box = newMailbox();
    const slow = await subscribe(s, [box], 'slow');
    stage.push.script(slow.name, [{ status: 201, hang: true }]);
    const res = await new MailboxClient(s.httpUrl, box).append('x');
    expect(res.status).toBe(201);
    await stage.push.next(slow.name);
    // The push service has the request and has not answered; the append was answered anyway.
    expect(s.server.deliveryStats().pushPending).toBe(1);
    expect(s.server.deliveryMetrics.pushesSent).toBe(0);
    // Shutdown abandons the hanging push instead of waiting 60 s for it: close() resolves
    // although the push service never answers, and the request's connection is gone.
    expect(stage.push.abandoned(slow.name)).toBe(0);
    await s.server.close();
    await waitUntil(() => stage.push.abandoned(slow.name) === 1, 'the hanging push request to be abandoned');
    expect(stage.push.requests(slow.name)).toHaveLength(1);
  });
});

describe('push service answers', () => {
  it('410 and 404 delete the subscription: its row is gone and the next append does not reach it', async () => {
    const s = await server();
    const box = newMailbox();
    const gone410 = await subscribe(s, [box], 'gone410');
    const gone404 = await subscribe(s, [box], 'gone404');
    const healthy = await subscribe(s, [box], 'healthy');
    stage.push.script(gone410.name, [{ status: 410 }]);
    stage.push.script(gone404.name, [{ status: 404 }]);
    const client = new MailboxClient(s.httpUrl, box);
    await client.append('one');
    await s.server.pushIdle();
    expect(stage.push.requests(gone410.name)).toHaveLength(1);
    expect(stage.push.requests(gone404.name)).toHaveLength(1);
    expect(s.server.deliveryMetrics.pushSubscriptionsRemoved).toBe(2);
    const endpoints = s.server.db.prepare('SELECT endpoint FROM push_subscriptions').all() as { endpoint: string }[];
    expect(endpoints.map((r) => r.endpoint)).toEqual([healthy.endpoint]);

    await client.append('two');
    expect(decrypted(await stage.push.next(healthy.name), healthy)?.seq).toBe(1);
    expect(decrypted(await stage.push.next(healthy.name), healthy)?.seq).toBe(2);
    await s.server.pushIdle();
    expect(stage.push.requests(gone410.name)).toHaveLength(1);
    expect(stage.push.requests(gone404.name)).toHaveLength(1);
  });

  it('429 with Retry-After is retried no earlier than asked, then delivered', async () => {
    const s = await server();
    const box = newMailbox();
    const device = await subscribe(s, [box]);
    stage.push.script(device.name, [{ status: 429, headers: { 'Retry-After': '1' } }]);
    await new MailboxClient(s.httpUrl, box).append('x');
    const first = await stage.push.next(device.name);
    const second = await stage.push.next(device.name, 5000);
    expect(second.at - first.at).toBeGreaterThanOrEqual(990);
    expect(decrypted(second, device)).toEqual({ v: 1, mailbox: box.id, seq: 1 });
    await s.server.pushIdle();
    expect(s.server.deliveryMetrics).toMatchObject({ pushesSent: 1, pushesRetried: 1, pushesFailed: 0 });
  });

  it('500 and 503 are retried with growing backoff, then delivered', async () => {
    const s = await server();
    const box = newMailbox();
    const device = await subscribe(s, [box]);
    stage.push.script(device.name, [{ status: 500 }, { status: 503 }]);
    await new MailboxClient(s.httpUrl, box).append('x');
    const tries = [await stage.push.next(device.name), await stage.push.next(device.name), await stage.push.next(device.name)];
    // Equal jitter: the n-th retry waits between half and all of 40 ms × 2^(n-1).
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(19);
    expect(tries[2]!.at - tries[1]!.at).toBeGreaterThanOrEqual(39);
    expect(decrypted(tries[2]!, device)).toEqual({ v: 1, mailbox: box.id, seq: 1 });
    await s.server.pushIdle();
    expect(s.server.deliveryMetrics).toMatchObject({ pushesSent: 1, pushesRetried: 2 });
    expect(subscriptionRows(s)).toBe(1);
  });

  it('gives up after the configured attempts and on other 4xx, keeping the subscription and logging no endpoint', async () => {
    const s = await server({ pushMaxAttempts: 3 });
    const box = newMailbox();
    const failing = await subscribe(s, [box], 'failing');
    const refusing = await subscribe(s, [box], 'refusing');
    stage.push.script(failing.name, [{ status: 500 }, { status: 500 }, { status: 500 }]);
    stage.push.script(refusing.name, [{ status: 400 }]);
    await new MailboxClient(s.httpUrl, box).append('x');
    await s.server.pushIdle();
    expect(stage.push.requests(failing.name)).toHaveLength(3);
    expect(stage.push.requests(refusing.name)).toHaveLength(1);
    expect(s.server.deliveryMetrics).toMatchObject({ pushesSent: 0, pushesFailed: 2, pushesRetried: 2 });
    expect(subscriptionRows(s)).toBe(2);
    const logged = JSON.stringify(s.logs);
    expect(logged).toContain('push not delivered');
    expect(logged).not.toContain(stage.push.origin.replace('http://', ''));
    expect(logged).not.toContain(failing.keys.json.auth);
  });
});

describe('subscription registration', () => {
  it('POST again replaces the followed set; DELETE unsubscribes with 204', async () => {
    const s = await server();
    const [a, b] = [newMailbox(), newMailbox()];
    const device = await subscribe(s, [a]);
    const res = await postSubscription(s, { subscription: { endpoint: device.endpoint, keys: device.keys.json }, mailboxes: [{ id: b.id, token: b.token }] });
    expect(res).toEqual({ status: 201, body: { mailboxes: 1 } });
    expect(subscriptionRows(s)).toBe(1);
    await new MailboxClient(s.httpUrl, a).append('to a');
    await new MailboxClient(s.httpUrl, b).append('to b');
    expect(decrypted(await stage.push.next(device.name), device)).toEqual({ v: 1, mailbox: b.id, seq: 1 });
    await s.server.pushIdle();
    expect(stage.push.requests(device.name)).toHaveLength(1);

    expect((await postSubscription(s, { endpoint: device.endpoint }, 'DELETE')).status).toBe(204);
    expect(subscriptionRows(s)).toBe(0);
    expect(s.server.db.prepare('SELECT count(*) AS n FROM push_follows').get()).toEqual({ n: 0 });
    // Unknown endpoints get the same answer: it must not reveal which are registered.
    expect((await postSubscription(s, { endpoint: device.endpoint }, 'DELETE')).status).toBe(204);
    await new MailboxClient(s.httpUrl, b).append('after unsubscribe');
    await s.server.pushIdle();
    expect(stage.push.requests(device.name)).toHaveLength(1);
  });

  it('limits subscription requests per address (429 with Retry-After) before reading the body: a fresh endpoint past the budget stores nothing', async () => {
    const s = await server({ pushSubscribeBurst: 3, pushSubscribesPerSecond: 0.01 });
    const box = newMailbox();
    const body = () => ({ subscription: { endpoint: `https://fcm.googleapis.com/fcm/send/${++endpointCounter}`, keys: createSubscriberKeys().json }, mailboxes: [{ id: box.id, token: box.token }] });
    for (let i = 0; i < 2; i++) expect((await postSubscription(s, body())).status).toBe(201);
    // A DELETE spends the same budget.
    expect((await postSubscription(s, { endpoint: 'https://fcm.googleapis.com/fcm/send/none' }, 'DELETE')).status).toBe(204);
    const res = await fetch(`${s.httpUrl}/api/push/subscription`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body()) });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await res.json()).toMatchObject({ error: 'rate-limited' });
    expect(subscriptionRows(s)).toBe(2);
  });

  it('stores endpoints of listed push services only, and an operator can list their own', async () => {
    const box = newMailbox();
    const body = (endpoint: string) => ({ subscription: { endpoint, keys: createSubscriberKeys().json }, mailboxes: [{ id: box.id, token: box.token }] });
    const s = await server();
    expect((await postSubscription(s, body('https://web.push.apple.com/QGx'))).status).toBe(201);
    expect((await postSubscription(s, body('https://push.corp.example/x'))).status).toBe(400);
    const custom = await startTestServer({ ...PUSH_CONFIG, pushEndpointHosts: ['*.corp.example'] });
    try {
      expect((await postSubscription(custom, body('https://push.corp.example/x'))).status).toBe(201);
      expect((await postSubscription(custom, body('https://fcm.googleapis.com/fcm/send/x'))).status).toBe(400);
      expect(subscriptionRows(custom)).toBe(1);
    } finally {
      await custom.close();
    }
  });

  it('refuses http endpoints unless the server allows loopback http (tests only)', async () => {
    const s = await server({ pushAllowLoopbackHttp: false });
    const box = newMailbox();
    const res = await postSubscription(s, { subscription: { endpoint: stage.push.url('x'), keys: createSubscriberKeys().json }, mailboxes: [{ id: box.id, token: box.token }] });
    expect(res).toMatchObject({ status: 400, body: { error: 'bad-request' } });
    expect(subscriptionRows(s)).toBe(0);
  });

  /** One server for the refusal cases: none of them may leave a row behind. */
  let shared: TestServer;
  beforeAll(async () => {
    shared = await startTestServer(PUSH_CONFIG);
  });
  afterAll(async () => {
    await shared.close();
  });

  const keys = createSubscriberKeys().json;
  const box = newMailbox();
  const ok = { subscription: { endpoint: 'https://fcm.googleapis.com/fcm/send/abc', keys }, mailboxes: [{ id: box.id, token: box.token }] };
  const offCurve = Buffer.alloc(65, 7);
  offCurve[0] = 4;
  it.each<[string, unknown]>([
    ['not JSON', '{"subscription":'],
    ['an array', [ok]],
    ['no subscription', { mailboxes: ok.mailboxes }],
    ['an https host that is no push service', { ...ok, subscription: { ...ok.subscription, endpoint: 'https://10.0.0.7/admin' } }],
    ['an internal host under a push domain suffix', { ...ok, subscription: { ...ok.subscription, endpoint: 'https://fcm.googleapis.com.internal.example/x' } }],
    ['http to a non-loopback host', { ...ok, subscription: { ...ok.subscription, endpoint: 'http://push.example/x' } }],
    ['an ftp endpoint', { ...ok, subscription: { ...ok.subscription, endpoint: 'ftp://push.example/x' } }],
    ['a relative endpoint', { ...ok, subscription: { ...ok.subscription, endpoint: '/push/x' } }],
    ['credentials in the endpoint', { ...ok, subscription: { ...ok.subscription, endpoint: 'https://user:pw@push.example/x' } }],
    ['a newline in the endpoint', { ...ok, subscription: { ...ok.subscription, endpoint: 'https://push.example/x\ny' } }],
    ['an endpoint over 2048 characters', { ...ok, subscription: { ...ok.subscription, endpoint: `https://push.example/${'a'.repeat(2048)}` } }],
    ['p256dh of 64 bytes', { ...ok, subscription: { ...ok.subscription, keys: { ...keys, p256dh: Buffer.alloc(64, 4).toString('base64url') } } }],
    ['p256dh off the curve', { ...ok, subscription: { ...ok.subscription, keys: { ...keys, p256dh: offCurve.toString('base64url') } } }],
    ['auth of 15 bytes', { ...ok, subscription: { ...ok.subscription, keys: { ...keys, auth: Buffer.alloc(15).toString('base64url') } } }],
    ['auth not base64url', { ...ok, subscription: { ...ok.subscription, keys: { ...keys, auth: '!!!!' } } }],
    ['mailboxes not an array', { ...ok, mailboxes: { id: box.id, token: box.token } }],
    ['more than 1000 mailboxes', { ...ok, mailboxes: Array.from({ length: 1001 }, () => ok.mailboxes[0]) }],
    ['an upper-case mailbox id', { ...ok, mailboxes: [{ id: box.id.toUpperCase(), token: box.token }] }],
    ['a numeric token', { ...ok, mailboxes: [{ id: box.id, token: 42 }] }],
  ])('refuses %s with 400 and stores nothing', async (_name, body) => {
    const s = shared;
    const res = await postSubscription(s, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('bad-request');
    expect(subscriptionRows(s)).toBe(0);
  });

  it('refuses a token that does not open its mailbox with 403, even next to valid ones', async () => {
    const s = shared;
    const other = newMailbox();
    const res = await postSubscription(s, { ...ok, mailboxes: [ok.mailboxes[0], { id: other.id, token: box.token }] });
    expect(res).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect(subscriptionRows(s)).toBe(0);
    expect(s.server.db.prepare('SELECT count(*) AS n FROM push_follows').get()).toEqual({ n: 0 });
  });

  it('refuses a body over 256 KiB with 413, and other methods with 405', async () => {
    const s = shared;
    const res = await postSubscription(s, { ...ok, padding: 'x'.repeat(300 * 1024) });
    expect(res).toMatchObject({ status: 413, body: { error: 'too-large' } });
    expect((await fetch(`${s.httpUrl}/api/push/subscription`)).status).toBe(405);
    expect(subscriptionRows(s)).toBe(0);
  });
});
