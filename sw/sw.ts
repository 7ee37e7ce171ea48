/**
 * Parley's service worker (docs/architecture.md §7.4): precaches the app shell so it opens with no
 * network, wakes on Web Push to fetch and decrypt new mail and notify, opens the right
 * conversation on a notification click, flushes the outbox on Background Sync, and serves
 * finished files to the page (`/files/…`, decrypted as they are read).
 *
 * Updates are never applied silently: a new worker waits until the page's "Update
 * available" prompt tells it to take over. The first worker takes the page that installed it.
 */
/// <reference lib="webworker" />
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { parsePushPayload } from '../src/core/wire/push.js';
import { openAppDatabase } from '../src/store/app-db.js';
import { IdbSettingsStore, isMuted } from '../src/store/settings-store.js';
import { deliverMailbox, type ArrivedMessage } from './mailbox-delivery.js';
import { flushOutbox } from './outbox-flush.js';
import { fileResponse } from './file-route.js';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

export const OUTBOX_SYNC_TAG = 'parley-outbox';

// Finished files, decrypted as they are read (file-route.ts); registered before Workbox's
// routes (the first listener to respond wins) so a file URL opened in a tab is the file, not the app shell.
self.addEventListener('fetch', (event) => {
  const response = fileResponse(event.request);
  if (response) event.respondWith(response);
});

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
// Every in-app navigation is the app shell; the API and signaling are never cached.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api\//, /^\/files\//, /^\/signal/, /^\/healthz/, /^\/metrics/] }));

self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// The first visit's page is taken at once rather than at its next load: it then gets what
// the worker gives (files served from the store, a received file not copied into a Blob,
// docs/architecture.md §14.4) from the start. An update still waits for the page's prompt:
// a worker activates only when there was none, or once told to skip waiting.
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('push', (event) => {
  event.waitUntil(onPush(event.data?.text() ?? ''));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const topic = (event.notification.data as { topic?: string } | null)?.topic;
  event.waitUntil(openConversation(topic));
});

self.addEventListener('sync', (event) => {
  const sync = event as ExtendableEvent & { tag: string };
  if (sync.tag === OUTBOX_SYNC_TAG) sync.waitUntil(withDb((db) => flushOutbox(db, self.location.origin)));
});

async function withDb<T>(task: (db: IDBDatabase) => Promise<T>): Promise<T> {
  const db = await openAppDatabase();
  try {
    return await task(db);
  } finally {
    db.close();
  }
}

async function onPush(text: string): Promise<void> {
  const payload = parsePushPayload(text);
  if (!payload) return;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const visible = windows.filter((w) => w.visibilityState === 'visible');
  if (visible.length > 0) {
    // An open page syncs itself and shows the message; no notification needed.
    for (const w of windows) w.postMessage({ type: 'parley-mailbox', mailbox: payload.mailbox });
    return;
  }
  await withDb(async (db) => {
    const arrived = await deliverMailbox(db, self.location.origin, payload.mailbox);
    if (!arrived || arrived.length === 0) return;
    const settings = new IdbSettingsStore(db);
    const unread = await settings.addUnread(arrived[0]!.topic, arrived.length);
    const device = await settings.get();
    // A muted conversation still counts as unread; it just does not ring.
    if (!isMuted(device, arrived[0]!.topic, Date.now())) await notify(arrived, device.notificationPreviews);
    await setBadge(Object.values(unread).reduce((a, b) => a + b, 0));
  });
}

async function notify(arrived: ArrivedMessage[], previews: boolean): Promise<void> {
  const last = arrived[arrived.length - 1]!;
  const more = arrived.length > 1 ? ` (+${arrived.length - 1} more)` : '';
  await self.registration.showNotification(previews ? last.sender : 'Parley', {
    body: previews ? `${last.text}${more}` : `New message${arrived.length > 1 ? 's' : ''}`,
    tag: last.topic,
    data: { topic: last.topic },
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
  });
}

async function setBadge(count: number): Promise<void> {
  const nav = self.navigator as WorkerNavigator & { setAppBadge?: (n: number) => Promise<void>; clearAppBadge?: () => Promise<void> };
  try {
    if (count > 0) await nav.setAppBadge?.(count);
    else await nav.clearAppBadge?.();
  } catch {
    // The Badging API is optional.
  }
}

async function openConversation(topic: string | undefined): Promise<void> {
  const url = new URL(topic ? `/#/c/${topic}` : '/', self.location.origin).href;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const existing = windows[0];
  if (existing) {
    await existing.focus();
    existing.postMessage({ type: 'parley-open', topic });
    return;
  }
  await self.clients.openWindow(url);
}
