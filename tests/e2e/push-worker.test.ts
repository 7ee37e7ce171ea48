/**
 * Push, service-worker side (docs/architecture.md §7.4): with no page of the app open, a real push payload is
 * delivered to the worker through CDP (`ServiceWorker.deliverPushMessage`; no push service
 * is reachable here, so PushManager.subscribe cannot be exercised). The worker fetches and
 * decrypts the mailbox entry, stores it, and shows a notification; when the app opens —
 * offline, so nothing can be fetched — the message is already there.
 */
import type { CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { encodePushPayload } from '../../src/core/wire/push.js';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { gradientPng } from '../helpers/png.js';

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

/** Notifications shown by the worker, read through a page of the origin that does not run the app. */
async function readNotifications(probe: Page): Promise<Array<{ title: string; body: string; topic: string }>> {
  return probe.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration('/');
    const list = (await reg?.getNotifications()) ?? [];
    return list.map((n) => ({ title: n.title, body: n.body, topic: (n.data as { topic?: string } | null)?.topic ?? '' }));
  });
}

/** The mailbox id and topic of the conversation open on `user`'s page. */
async function openConversation(user: ParleyUser): Promise<{ topic: string; mailbox: string }> {
  const topic = decodeURIComponent(new URL(user.page.url()).hash.replace(/^#\/c\//, ''));
  const mailbox = await user.page.evaluate((t) => {
    const app = document.querySelector('parley-app') as unknown as { client: { get(t: string): { mailboxCredential?: { id: string } } | undefined } };
    return app.client.get(t)?.mailboxCredential?.id ?? '';
  }, topic);
  expect(mailbox).not.toBe('');
  return { topic, mailbox };
}

/** Alice and Bob in a conversation Alice started, linked, Bob's context allowed to show notifications. */
async function meetWithNotifications(): Promise<{ alice: ParleyUser; bob: ParleyUser }> {
  const { alice, bob } = await ParleyUser.pair(stage.browser, stage.app.url, { beforeStart: (_, b) => b.context.grantPermissions(['notifications'], { origin: stage.app.url }) });
  return { alice, bob };
}

describe('push, service-worker side', () => {
  it('a push with no app page open stores the message and shows a notification', async () => {
    const { alice, bob } = await meetWithNotifications();
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
    await expect.poll(async () => (await readNotifications(probe)).length, { timeout: 30_000, interval: 250 }).toBeGreaterThan(0);
    const shown = await readNotifications(probe);
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

  it('a muted conversation still counts as unread but does not ring; another one does', async () => {
    const { alice, bob } = await meetWithNotifications();
    const quietUrl = alice.page.url();
    const quiet = await openConversation(bob);

    // Bob mutes the first conversation for 8 hours; it stays muted across a reload.
    await bob.page.getByRole('button', { name: 'Mute notifications' }).click();
    await bob.page.getByRole('dialog', { name: 'Mute notifications' }).getByRole('button', { name: 'For 8 hours' }).click();
    await bob.page.getByRole('button', { name: /^Muted until .*\. Change$/ }).waitFor();
    await bob.page.reload();
    await bob.page.getByRole('button', { name: /^Muted until .*\. Change$/ }).waitFor();

    await bob.open(await alice.newConversation());
    await alice.waitForPeers(1);
    await bob.page.getByRole('button', { name: 'Mute notifications' }).waitFor();
    const loud = await openConversation(bob);
    const loudUrl = alice.page.url();
    await bob.page.evaluate(async () => navigator.serviceWorker.ready);
    await bob.page.goto('about:blank');

    await alice.page.goto(quietUrl);
    await alice.send('news nobody rings for');
    await alice.messageRow('news nobody rings for').locator('[data-status="sent"]').waitFor({ timeout: 20_000 });
    await alice.page.goto(loudUrl);
    await alice.send('news that rings');
    await alice.messageRow('news that rings').locator('[data-status="sent"]').waitFor({ timeout: 20_000 });

    const cdp = await bob.context.newCDPSession(bob.page);
    const id = await registrationId(cdp, stage.app.url);
    // Read inside the worker: an open page of the origin would be a visible window, and the
    // worker leaves a push to a visible page instead of notifying.
    const worker = bob.context.serviceWorkers()[0] ?? (await bob.context.waitForEvent('serviceworker'));
    const unread = () =>
      worker.evaluate(
        () =>
          new Promise<Record<string, number>>((resolve, reject) => {
            const open = indexedDB.open('parley');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const get = open.result.transaction('settings').objectStore('settings').get('unread');
              get.onsuccess = () => {
                open.result.close();
                resolve((get.result as Record<string, number> | undefined) ?? {});
              };
              get.onerror = () => reject(get.error);
            };
          }),
      );
    const notifications = () =>
      worker.evaluate(async () =>
        (await (self as unknown as { registration: ServiceWorkerRegistration }).registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, topic: (n.data as { topic?: string } | null)?.topic ?? '' })),
      );

    // The muted conversation's push: stored and counted (the worker would ring right after counting).
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: `${stage.app.url}/`, registrationId: id, data: encodePushPayload({ v: 1, mailbox: quiet.mailbox, seq: 1 }) });
    await expect.poll(async () => (await unread())[quiet.topic] ?? 0, { timeout: 30_000, interval: 250 }).toBe(1);
    // Then the other conversation's: that one rings, and it is the only notification.
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: `${stage.app.url}/`, registrationId: id, data: encodePushPayload({ v: 1, mailbox: loud.mailbox, seq: 1 }) });
    await expect.poll(async () => (await notifications()).length, { timeout: 30_000, interval: 250 }).toBeGreaterThan(0);
    const shown = await notifications();
    expect(shown.map((n) => n.topic)).toEqual([loud.topic]);
    expect(shown[0]).toMatchObject({ title: 'Alice', body: 'news that rings' });
    expect((await unread())[quiet.topic]).toBe(1);
    await alice.close();
    await bob.close();
  });

  it('a photo sent with no caption rings as a photo, not as an empty notification', async () => {
    const { alice, bob } = await meetWithNotifications();
    const { mailbox } = await openConversation(bob);
    await bob.page.evaluate(async () => navigator.serviceWorker.ready);
    await bob.page.goto('about:blank');

    // A photo and no caption: the message's text is empty.
    await alice.page.getByLabel('Attach').setInputFiles({ name: 'beach.png', mimeType: 'image/png', buffer: gradientPng(64, 48) });
    await alice.page.getByRole('list', { name: 'Files to send' }).getByText('beach.png').waitFor();
    await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
    const row = alice.log.locator('article').filter({ has: alice.page.getByRole('img', { name: 'beach.png' }) });
    await row.locator('[data-status="sent"]').waitFor({ timeout: 30_000 });

    const cdp = await bob.context.newCDPSession(bob.page);
    const id = await registrationId(cdp, stage.app.url);
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: `${stage.app.url}/`, registrationId: id, data: encodePushPayload({ v: 1, mailbox, seq: 1 }) });
    const probe = await bob.context.newPage();
    await probe.goto(`${stage.app.url}/healthz`);
    await expect.poll(async () => (await readNotifications(probe)).length, { timeout: 30_000, interval: 250 }).toBeGreaterThan(0);
    expect((await readNotifications(probe))[0]).toMatchObject({ title: 'Alice', body: '📷 Photo' });
    await probe.close();
    await alice.close();
    await bob.close();
  });
});
