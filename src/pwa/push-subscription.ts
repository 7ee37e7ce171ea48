/**
 * Web Push for this device: ask permission at a natural moment (never on load), subscribe
 * with the server's VAPID key, and tell the server which mailboxes to wake this device for
 * — proving membership of each with its mailbox token. Where no push service is reachable,
 * subscribing fails and the app relies on pulling when it opens.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64Url, toHex, utf8 } from '../core/bytes.js';
import { MAX_PUSH_MAILBOXES, PUSH_PATH } from '../core/wire/push.js';

export interface MailboxCredential {
  readonly id: string;
  readonly token: string;
}

/**
 * Why push could not be set up, as a code the UI words (never a raw browser string):
 * the server has no VAPID key, the server refused the subscription, or the browser's push
 * service could not be reached (the usual case in browsers without one).
 */
export type PushFailure = 'no-server-key' | 'server-refused' | 'push-service-unreachable';

export type PushOutcome = { readonly ok: true; readonly endpointHash: string } | { readonly ok: false; readonly reason: PushFailure };

export const endpointHash = (endpoint: string): string => toHex(sha256(utf8(endpoint)));

/** Asks for notification permission; resolves true when granted. */
export async function askNotificationPermission(): Promise<boolean> {
  if (typeof Notification === 'undefined') return false;
  if (Notification.permission === 'granted') return true;
  if (Notification.permission === 'denied') return false;
  try {
    return (await Notification.requestPermission()) === 'granted';
  } catch {
    return false;
  }
}

export async function subscribePush(serverUrl: string, mailboxes: readonly MailboxCredential[]): Promise<PushOutcome> {
  try {
    const registration = await navigator.serviceWorker.ready;
    const vapid = (await (await fetch(`${serverUrl}${PUSH_PATH}/vapid`)).json()) as { publicKey?: string };
    const key = vapid.publicKey ? fromBase64Url(vapid.publicKey) : null;
    if (!key) return { ok: false, reason: 'no-server-key' };
    const subscription =
      (await registration.pushManager.getSubscription()) ??
      (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key as Uint8Array<ArrayBuffer> }));
    const res = await fetch(`${serverUrl}${PUSH_PATH}/subscription`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ subscription: subscription.toJSON(), mailboxes: mailboxes.slice(0, MAX_PUSH_MAILBOXES) }),
    });
    if (!res.ok) return { ok: false, reason: 'server-refused' };
    return { ok: true, endpointHash: endpointHash(subscription.endpoint) };
  } catch {
    return { ok: false, reason: 'push-service-unreachable' };
  }
}
