/**
 * Everything the app does as an installed PWA, behind one object the UI can hold: the
 * service worker and its update prompt, notification permission and the push
 * subscription, notification previews, Background Sync for the outbox, and the badge. The
 * service worker's host and the push subscription load on first use (`start`, a permission
 * granted), not with the app (docs/architecture.md §11).
 */
import { ObservableV2 } from 'lib0/observable';
import type { Topic } from '../core/ids.js';
import { errorField, type Logger } from '../core/logger.js';
import { isMuted, type DeviceSettings, type SettingsStore } from '../store/settings-store.js';
import { Disposables } from '../core/lifecycle.js';
import { showBadge } from './badge.js';
import type { MailboxCredential, PushFailure } from './push-subscription.js';
import type { ServiceWorkerHost, WorkerMessage } from './service-worker-host.js';

export type NotificationStatus = 'unsupported' | 'default' | 'granted' | 'denied' | 'subscribed' | 'unavailable';

/** Chromium's install prompt event (not in the DOM typings). */
interface InstallPromptEvent extends Event {
  prompt(): Promise<unknown>;
}

export type PwaEvents = {
  /** Update availability, notification status or settings changed. */
  changed: () => void;
  /** The worker asks the page to sync a mailbox, or to open a conversation. */
  message: (message: WorkerMessage) => void;
};

export interface PwaOptions {
  readonly serverUrl: string;
  readonly settings: SettingsStore;
  /** Every conversation's mailbox id and token, to follow with push. */
  readonly mailboxes: () => MailboxCredential[];
  /** Where registration failures are reported; silent when absent. */
  readonly logger?: Logger;
}

export class PwaController extends ObservableV2<PwaEvents> {
  /** The service worker's host, loading from `start` (or a Background Sync asked before it). */
  private host: Promise<ServiceWorkerHost | null> | null = null;
  private settingsValue: DeviceSettings = { notificationPreviews: true };
  private update = false;
  private status: NotificationStatus = 'default';
  private offered = false;
  private statusDetail: PushFailure | null = null;
  private installPrompt: InstallPromptEvent | null = null;
  private readonly disposables = new Disposables();

  constructor(private readonly options: PwaOptions) {
    super();
  }

  /** The service worker's host; null when its code could not load (logged). */
  private loadHost(): Promise<ServiceWorkerHost | null> {
    this.host ??= import('./service-worker-host.js').then(
      ({ ServiceWorkerHost }) => {
        const host = new ServiceWorkerHost(this.options.logger);
        host.on('updateAvailable', () => {
          this.update = true;
          this.emit('changed', []);
        });
        host.on('message', (m) => this.emit('message', [m]));
        return host;
      },
      (error: unknown) => {
        this.options.logger?.warn('the service worker host could not load', { error: errorField(error) });
        return null;
      },
    );
    return this.host;
  }

  async start(): Promise<void> {
    this.listen(window, 'beforeinstallprompt', (event) => {
      // Keep the browser's own mini-bar away; the app offers an Install button instead.
      event.preventDefault();
      this.installPrompt = event as InstallPromptEvent;
      this.emit('changed', []);
    });
    this.listen(window, 'appinstalled', () => {
      this.installPrompt = null;
      this.emit('changed', []);
    });
    this.settingsValue = await this.options.settings.get();
    this.status = typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
    await this.followPermission();
    await (await this.loadHost())?.register();
    await this.refreshBadge();
    this.emit('changed', []);
  }

  /** The browser offers to install the app (`beforeinstallprompt` arrived). */
  get canInstall(): boolean {
    return this.installPrompt !== null;
  }

  /** Shows the browser's install prompt; it can be shown once per event. */
  async install(): Promise<void> {
    const prompt = this.installPrompt;
    if (!prompt) return;
    this.installPrompt = null;
    this.emit('changed', []);
    await prompt.prompt().catch(() => undefined);
  }

  override destroy(): void {
    this.disposables.dispose();
    super.destroy();
  }

  /**
   * Follows the notification permission live (the user may change it in the browser's site
   * settings at any time), so the settings screen never shows a stale "blocked".
   */
  private async followPermission(): Promise<void> {
    if (typeof Notification === 'undefined' || !navigator.permissions?.query) return;
    let permission: PermissionStatus;
    try {
      permission = await navigator.permissions.query({ name: 'notifications' });
    } catch {
      return;
    }
    const changed = (): void => {
      const now = Notification.permission;
      // Subscribed stays subscribed while permission holds; anything else follows the browser.
      if (now === 'granted' && (this.status === 'subscribed' || this.status === 'unavailable')) return;
      this.status = now;
      this.statusDetail = null;
      this.emit('changed', []);
      if (now === 'granted') void this.refreshSubscription();
    };
    this.listen(permission, 'change', changed);
  }

  private listen(target: EventTarget, type: string, fn: (event: Event) => void): void {
    target.addEventListener(type, fn);
    this.disposables.add(() => target.removeEventListener(type, fn));
  }

  get updateAvailable(): boolean {
    return this.update;
  }

  applyUpdate(): void {
    // An update is only ever offered by a host that loaded.
    void this.host?.then((host) => host?.applyUpdate());
  }

  get notifications(): NotificationStatus {
    return this.status;
  }

  /** Why notifications are unavailable (a code the settings screen words), or null. */
  get notificationDetail(): PushFailure | null {
    return this.statusDetail;
  }

  get previews(): boolean {
    return this.settingsValue.notificationPreviews;
  }

  /** SHA-256 of this device's push endpoint, so its own writes do not wake it. */
  get endpointHash(): string | undefined {
    return this.settingsValue.pushEndpointHash;
  }

  /** Until when a conversation is muted on this device (ms since epoch), or null. */
  mutedUntil(topic: Topic, now = Date.now()): number | null {
    return isMuted(this.settingsValue, topic, now) ? this.settingsValue.muted![topic]! : null;
  }

  /** Mutes a conversation's notifications until `until` (MUTED_ALWAYS: for good); null unmutes. */
  async setMuted(topic: Topic, until: number | null): Promise<void> {
    const now = Date.now();
    // Expired entries are dropped while we are here, so the record stays small.
    const muted = Object.fromEntries(Object.entries(this.settingsValue.muted ?? {}).filter(([t, u]) => t !== topic && u > now));
    if (until !== null) muted[topic] = until;
    await this.saveSettings({ ...this.settingsValue, muted });
  }

  async setPreviews(previews: boolean): Promise<void> {
    await this.saveSettings({ ...this.settingsValue, notificationPreviews: previews });
  }

  /**
   * Called at a natural moment (after the first message a user sends, or from settings):
   * asks permission once, then subscribes for push.
   */
  async enableNotifications(): Promise<void> {
    if (this.status === 'unsupported' || this.status === 'denied') return;
    const { askNotificationPermission } = await import('./push-subscription.js');
    const granted = await askNotificationPermission();
    this.status = typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
    if (granted) await this.refreshSubscription();
    this.emit('changed', []);
  }

  /**
   * Offers notifications at most once per app run, and only while the browser has no
   * answer yet: called after the user sends a message, never on load.
   */
  async offerNotifications(): Promise<void> {
    if (this.offered || this.status !== 'default') return;
    this.offered = true;
    await this.enableNotifications();
  }

  /** Re-sends the list of followed mailboxes (new conversation, new device). */
  async refreshSubscription(): Promise<void> {
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    const { subscribePush } = await import('./push-subscription.js');
    const outcome = await subscribePush(this.options.serverUrl, this.options.mailboxes());
    if (outcome.ok) {
      this.status = 'subscribed';
      this.statusDetail = null;
      await this.saveSettings({ ...this.settingsValue, pushEndpointHash: outcome.endpointHash });
    } else {
      this.status = 'unavailable';
      this.statusDetail = outcome.reason;
    }
    this.emit('changed', []);
  }

  async requestOutboxSync(): Promise<boolean> {
    return (await (await this.loadHost())?.requestOutboxSync()) ?? false;
  }

  async addUnread(topic: Topic, count: number): Promise<void> {
    await this.options.settings.addUnread(topic, count);
    await this.refreshBadge();
  }

  async clearUnread(topic: Topic): Promise<void> {
    await this.options.settings.clearUnread(topic);
    await this.refreshBadge();
  }

  private async refreshBadge(): Promise<void> {
    const unread = await this.options.settings.unread();
    await showBadge(Object.values(unread).reduce((a, b) => a + b, 0));
  }

  private async saveSettings(settings: DeviceSettings): Promise<void> {
    this.settingsValue = settings;
    await this.options.settings.put(settings);
    this.emit('changed', []);
  }
}
