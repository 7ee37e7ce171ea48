/** Re-renders the host when PWA state changes (update available, notification status). */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { PwaController } from '../../pwa/pwa-controller.js';

export class PwaBinding implements ReactiveController {
  private subscribed: PwaController | null = null;

  constructor(private readonly host: ReactiveControllerHost, private readonly pwa: () => PwaController | undefined) {
    host.addController(this);
  }

  hostConnected(): void {
    this.resubscribe();
  }

  hostUpdate(): void {
    if (this.pwa() !== this.subscribed) this.resubscribe();
  }

  hostDisconnected(): void {
    this.subscribed?.off('changed', this.onChange);
    this.subscribed = null;
  }

  private resubscribe(): void {
    this.subscribed?.off('changed', this.onChange);
    this.subscribed = this.pwa() ?? null;
    this.subscribed?.on('changed', this.onChange);
  }

  private readonly onChange = (): void => this.host.requestUpdate();
}
