/**
 * Re-renders the host when the client reports a change (Lit ReactiveController pattern:
 * subscribe in hostConnected, unsubscribe in hostDisconnected).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ParleyClient } from '../../client/parley-client.js';

export class ClientController implements ReactiveController {
  private subscribed: ParleyClient | null = null;

  constructor(private readonly host: ReactiveControllerHost, private readonly client: () => ParleyClient | undefined) {
    host.addController(this);
  }

  hostConnected(): void {
    this.resubscribe();
  }

  hostUpdate(): void {
    // The client may be provided after connection (context arrives late).
    if (this.client() !== this.subscribed) this.resubscribe();
  }

  hostDisconnected(): void {
    this.subscribed?.off('changed', this.onChange);
    this.subscribed = null;
  }

  private resubscribe(): void {
    this.subscribed?.off('changed', this.onChange);
    this.subscribed = this.client() ?? null;
    this.subscribed?.on('changed', this.onChange);
  }

  private readonly onChange = (): void => this.host.requestUpdate();
}
