/**
 * Small device settings and counters shared by pages and the service worker: whether
 * notifications show a message preview, this device's push endpoint hash, and unread
 * counts per conversation for the app badge.
 */
import type { Topic } from '../core/ids.js';
import { committed, request } from './idb.js';

export interface DeviceSettings {
  /** Show sender and text in notifications (off: just "New message"). */
  readonly notificationPreviews: boolean;
  /** SHA-256 hex of this device's push endpoint, when subscribed. */
  readonly pushEndpointHash?: string;
  /** Conversations muted on this device: topic → muted until (ms since epoch; MUTED_ALWAYS). */
  readonly muted?: Readonly<Record<string, number>>;
}

/** "Until" of a conversation muted for good. */
export const MUTED_ALWAYS = Number.MAX_SAFE_INTEGER;

/** Whether notifications for a conversation are muted at `now`. */
export function isMuted(settings: DeviceSettings, topic: string, now: number): boolean {
  const until = settings.muted?.[topic];
  return typeof until === 'number' && until > now;
}

export const defaultSettings: DeviceSettings = { notificationPreviews: true };

const SETTINGS_STORE = 'settings';
const SETTINGS_KEY = 'device';
const UNREAD_KEY = 'unread';

export interface SettingsStore {
  get(): Promise<DeviceSettings>;
  put(settings: DeviceSettings): Promise<void>;
  /** Unread counts per conversation. */
  unread(): Promise<Record<string, number>>;
  addUnread(topic: Topic, count: number): Promise<Record<string, number>>;
  clearUnread(topic: Topic): Promise<Record<string, number>>;
}

export class IdbSettingsStore implements SettingsStore {
  constructor(private readonly db: IDBDatabase) {}

  async get(): Promise<DeviceSettings> {
    const tx = this.db.transaction(SETTINGS_STORE, 'readonly');
    return { ...defaultSettings, ...((await request(tx.objectStore(SETTINGS_STORE).get(SETTINGS_KEY))) as DeviceSettings | undefined) };
  }

  async put(settings: DeviceSettings): Promise<void> {
    const tx = this.db.transaction(SETTINGS_STORE, 'readwrite');
    tx.objectStore(SETTINGS_STORE).put(settings, SETTINGS_KEY);
    await committed(tx);
  }

  async unread(): Promise<Record<string, number>> {
    const tx = this.db.transaction(SETTINGS_STORE, 'readonly');
    return ((await request(tx.objectStore(SETTINGS_STORE).get(UNREAD_KEY))) as Record<string, number> | undefined) ?? {};
  }

  addUnread(topic: Topic, count: number): Promise<Record<string, number>> {
    return this.updateUnread((u) => ({ ...u, [topic]: (u[topic] ?? 0) + count }));
  }

  clearUnread(topic: Topic): Promise<Record<string, number>> {
    return this.updateUnread((u) => {
      const { [topic]: _gone, ...rest } = u;
      return rest;
    });
  }

  /** Read-modify-write in one transaction, so the page and the worker never lose a count. */
  private async updateUnread(change: (u: Record<string, number>) => Record<string, number>): Promise<Record<string, number>> {
    const tx = this.db.transaction(SETTINGS_STORE, 'readwrite');
    const store = tx.objectStore(SETTINGS_STORE);
    const next = change(((await request(store.get(UNREAD_KEY))) as Record<string, number> | undefined) ?? {});
    store.put(next, UNREAD_KEY);
    await committed(tx);
    return next;
  }
}
