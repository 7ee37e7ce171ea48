/**
 * The page's side of the service worker: registration, the "Update available" handshake
 * (a new worker waits until the user says reload), messages from the worker, and Background
 * Sync requests. Browsers without service workers simply get none of this. Workbox's page
 * side loads when the app registers the worker, after the first screen (docs/architecture.md
 * §11, "Loaded on first use").
 */
import { ObservableV2 } from 'lib0/observable';
import type { Workbox } from 'workbox-window';
import { errorField, silentLogger, type Logger } from '../core/logger.js';

export const OUTBOX_SYNC_TAG = 'parley-outbox';

export type WorkerMessage = { type: 'parley-mailbox'; mailbox: string } | { type: 'parley-open'; topic?: string };

export type HostEvents = {
  /** A new version is installed and waiting; call `applyUpdate()` to switch. */
  updateAvailable: () => void;
  message: (message: WorkerMessage) => void;
};

export class ServiceWorkerHost extends ObservableV2<HostEvents> {
  private workbox: Workbox | null = null;

  constructor(private readonly logger: Logger = silentLogger) {
    super();
  }

  /** Registers `/sw.js`; resolves with the registration, or null when unsupported. */
  async register(url = '/sw.js'): Promise<ServiceWorkerRegistration | null> {
    if (!('serviceWorker' in navigator)) return null;
    let wb: Workbox;
    try {
      const { Workbox } = await import('workbox-window');
      wb = new Workbox(url, { scope: '/' });
    } catch (error) {
      this.logger.warn('service worker registration failed', { error: errorField(error) });
      return null;
    }
    this.workbox = wb;
    wb.addEventListener('waiting', () => this.emit('updateAvailable', []));
    // Once the waiting worker took over at the user's request, load the new version.
    wb.addEventListener('controlling', (event) => {
      if (event.isUpdate) location.reload();
    });
    navigator.serviceWorker.addEventListener('message', (event: MessageEvent) => {
      const data = event.data as WorkerMessage | null;
      if (data && (data.type === 'parley-mailbox' || data.type === 'parley-open')) this.emit('message', [data]);
    });
    try {
      return (await wb.register()) ?? null;
    } catch (error) {
      this.logger.warn('service worker registration failed', { error: errorField(error) });
      return null;
    }
  }

  /** Activates the waiting version; the page reloads when it takes control. */
  applyUpdate(): void {
    this.workbox?.messageSkipWaiting();
  }

  /** Asks for a Background Sync so the worker flushes the outbox when the network returns. */
  async requestOutboxSync(): Promise<boolean> {
    try {
      const registration = (await navigator.serviceWorker?.ready) as ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } };
      if (!registration?.sync) return false;
      await registration.sync.register(OUTBOX_SYNC_TAG);
      return true;
    } catch {
      return false;
    }
  }
}
