/**
 * Push, service-worker side (docs/architecture.md §7.4): with no page of the app open, a real push payload is
 * delivered to the worker through CDP (`ServiceWorker.deliverPushMessage`; no push service
 * is reachable here, so PushManager.subscribe cannot be exercised). The worker fetches and
 * decrypts the mailbox entry, stores it, and shows a notification; when the app opens —
 * offline, so nothing can be fetched — the message is already there.
 */
import type { CDPSession } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { encodePushPayload } from '../../src/core/wire/push.js';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();

async function registrationId(cdp: CDPSession, origin: string): Promise<string> {
  const found = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', (event: { registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> }) => {
      const match = event.registrations.find((r) => r.scopeURL.startsWith(origin) && !r.isDeleted);
      if (match) resolve(match.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  return found;
}

describe('push, service-worker side', () => {
  it('a push with no app page open stores the message and shows a notification', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await bob.context.grantPermissions(['notifications'], { origin: stage.app.url });
    await alice.start(stage.app.url);
    const invite = await alice.newConversation();
    await bob.open(invite);
    await bob.register();
    await alice.waitForPeers(1);
    await alice.send('before the push');
    await bob.waitForMessage('before the push');
    const conversationUrl = bob.page.url();
    const mailbox = await bob.page.evaluate(() => {
      const app = document.querySelector('parley-app') as unknown as { client: { mailboxCredentials(): Array<{ id: string }> } };
      return app.client.mailboxCredentials().map((m) => m.id);
    });
    await bob.page.evaluate(async () => navigator.serviceWorker.ready);

    // Bob leaves the app; only a blank page keeps his stage.browser context alive.
    await bob.page.goto('about:blank');
    await alice.send('pushed while you were away');
    await alice.messageRow('pushed while you were away').locator('[data-status="sent"]').waitFor({ timeout: 20_000 });

    const cdp = await bob.context.newCDPSession(bob.page);
    const id = await registrationId(cdp, stage.app.url);
    for (const m of mailbox) {
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: `${stage.app.url}/`, registrationId: id, data: encodePushPayload({ v: 1, mailbox: m, seq: 1 }) });
    }

    // The notification, read through a page of the origin that does not run the app.
    const probe = await bob.context.newPage();
    await probe.goto(`${stage.app.url}/healthz`);
    const readNotifications = () =>
      probe.evaluate(async () => {
        const reg = await navigator.serviceWorker.getRegistration('/');
        const list = (await reg?.getNotifications()) ?? [];
        return list.map((n) => ({ title: n.title, body: n.body, topic: (n.data as { topic?: string } | null)?.topic ?? '' }));
      });
    await expect.poll(async () => (await readNotifications()).length, { timeout: 30_000, interval: 250 }).toBeGreaterThan(0);
    const shown = await readNotifications();
    expect(shown[0]).toMatchObject({ title: 'Alice', body: 'pushed while you were away' });
    expect(conversationUrl).toContain(shown[0]!.topic);
    await probe.close();

    // Open the app with no network: the message can only have come from IndexedDB.
    await bob.context.setOffline(true);
    await bob.page.goto(conversationUrl);
    await bob.waitForMessage('pushed while you were away');
    await bob.context.setOffline(false);
    await alice.close();
    await bob.close();
  });
});
