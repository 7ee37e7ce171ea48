/**
 * Push, server side (docs/architecture.md §6.3). A local RFC 8030 push service on loopback stands in for the
 * browser vendor's; a subscription with real P-256/auth keys follows Bob's mailbox (Chromium
 * cannot subscribe here: no push service is reachable). When Alice writes while Bob is
 * away, the server POSTs a VAPID-signed (RFC 8292) aes128gcm (RFC 8291) push that the test
 * decrypts with the subscription's private key; a 410 answer removes the subscription.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePushPayload, PUSH_PAYLOAD_BYTES } from '../../src/core/wire/push.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { launchChromium } from '../helpers/browser.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { createSubscriberKeys, decryptPushBody, verifyVapidAuthorization } from '../helpers/push-crypto.js';
import { PushEndpoint } from '../helpers/push-endpoint.js';

let browser: Browser;
let app: AppServer;
let pushService: PushEndpoint;

beforeAll(async () => {
  browser = await launchChromium();
  pushService = await PushEndpoint.start();
  app = await startAppServer({ pushAllowLoopbackHttp: true });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await pushService?.close();
});

describe('push, server side', () => {
  it('wakes an offline member with an encrypted, VAPID-signed push, and drops a gone subscription', async () => {
    const alice = await ParleyUser.create(browser, 'Alice');
    const bob = await ParleyUser.create(browser, 'Bob');
    await alice.start(app.url);
    const invite = await alice.newConversation();
    await bob.open(invite);
    await bob.register();
    await alice.waitForPeers(1);
    const [mailbox] = await bob.page.evaluate(() => {
      const app = document.querySelector('parley-app') as unknown as { client: { mailboxCredentials(): Array<{ id: string; token: string }> } };
      return app.client.mailboxCredentials();
    });

    // Bob's device follows the mailbox with a real subscription (keys made as a browser would).
    const keys = createSubscriberKeys();
    const endpoint = pushService.url('bob');
    const res = await fetch(`${app.url}/api/push/subscription`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ subscription: { endpoint, keys: keys.json }, mailboxes: [mailbox] }),
    });
    expect(res.status).toBe(201);
    await bob.close();

    await alice.send('wake up, Bob');
    const push = await pushService.next('bob', 20_000);
    expect(push.headers['content-encoding']).toBe('aes128gcm');
    expect(Number(push.headers.ttl)).toBeGreaterThan(0);
    const vapid = verifyVapidAuthorization(String(push.headers.authorization));
    expect(vapid.key).toBe(app.server.vapidPublicKey);
    expect(vapid.claims.aud).toBe(pushService.origin);
    expect(Number(vapid.claims.exp) * 1000).toBeGreaterThan(Date.now());
    expect(Number(vapid.claims.exp) * 1000).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
    const plaintext = decryptPushBody(push.body, keys);
    expect(plaintext.length).toBe(PUSH_PAYLOAD_BYTES);
    const payload = parsePushPayload(plaintext.toString('utf8'));
    expect(payload).toMatchObject({ v: 1, mailbox: mailbox!.id });
    expect(payload!.seq).toBeGreaterThanOrEqual(1);
    // The push carries nothing readable: not the text, not a name.
    expect(plaintext.toString('utf8')).not.toMatch(/wake|Alice|Bob/);

    // The push service says the subscription is gone: the server forgets it.
    pushService.script('bob', [{ status: 410 }]);
    await alice.send('are you there?');
    await pushService.next('bob', 20_000);
    await app.server.pushIdle();
    const rows = app.server.db.prepare('SELECT count(*) AS n FROM push_subscriptions').get() as { n: number };
    expect(rows.n).toBe(0);
    const before = pushService.requests('bob').length;
    await alice.send('nobody is listening');
    await alice.messageRow('nobody is listening').locator('[data-status="sent"]').waitFor({ timeout: 20_000 });
    await app.server.pushIdle();
    expect(pushService.requests('bob').length).toBe(before);
    await alice.close();
  });

  it("follows its conversation's new mailbox when the group's members change, so it is still woken", async () => {
    const alice = await ParleyUser.create(browser, 'Alice');
    const bob = await ParleyUser.create(browser, 'Bob');
    await alice.start(app.url);
    const invite = await alice.newConversation();

    // Chromium cannot subscribe here (no push service): Bob's browser hands over a
    // subscription to the local push service, with keys made as a browser makes them.
    const keys = createSubscriberKeys();
    await bob.context.grantPermissions(['notifications'], { origin: app.url });
    await bob.context.addInitScript(
      ({ endpoint, json }) => {
        const subscription = { endpoint, toJSON: () => ({ endpoint, keys: json }) };
        PushManager.prototype.getSubscription = async () => subscription as unknown as PushSubscription;
      },
      { endpoint: pushService.url('bob-moves'), json: keys.json },
    );
    const followed: string[][] = [];
    bob.page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/api/push/subscription')) followed.push((JSON.parse(request.postData() ?? '{}') as { mailboxes: Array<{ id: string }> }).mailboxes.map((m) => m.id));
    });
    const mailboxOf = async (): Promise<string> =>
      bob.page.evaluate(() => (document.querySelector('parley-app') as unknown as { client: { mailboxCredentials(): Array<{ id: string }> } }).client.mailboxCredentials()[0]?.id ?? '');

    await bob.open(invite);
    await bob.register();
    await alice.waitForPeers(1);
    const first = await mailboxOf();
    await expect.poll(() => followed.some((ids) => ids.includes(first)), { timeout: 20_000 }).toBe(true);

    // Carol joins: the group moves to a new epoch, whose mailbox has another id; Bob still
    // has one conversation.
    const carol = await ParleyUser.create(browser, 'Carol');
    await carol.open(invite);
    await carol.register();
    await alice.waitForPeers(2);
    await expect.poll(mailboxOf, { timeout: 30_000 }).not.toBe(first);
    const moved = await mailboxOf();
    await expect.poll(() => followed.some((ids) => ids.includes(moved)), { timeout: 20_000, message: `posted: ${JSON.stringify(followed)}` }).toBe(true);

    // Away, Bob is woken for what Alice writes now, on the new mailbox.
    await bob.close();
    await alice.send('after Carol came');
    // (The old mailbox may ring too: it still gets what the move hands over.)
    const woken: string[] = [];
    for (let i = 0; i < 8 && !woken.includes(moved); i++) {
      const push = await pushService.next('bob-moves', 20_000);
      woken.push(parsePushPayload(decryptPushBody(push.body, keys).toString('utf8'))?.mailbox ?? '');
    }
    expect(woken).toContain(moved);
    await Promise.all([alice.close(), carol.close()]);
  });
});
