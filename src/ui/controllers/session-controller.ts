/**
 * Follows one ConversationSession and re-renders the host on change. Lit already batches
 * requestUpdate calls into one render per microtask, so a burst inside one task renders
 * once, and a live message renders without waiting for an animation frame (that wait would
 * eat most of a 16 ms latency budget). While someone is typing it also ticks once a second
 * so "is typing…" expires on time.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ConversationSession } from '../../client/conversation-session.js';

export class SessionController implements ReactiveController {
  private subscribed: ConversationSession | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly host: ReactiveControllerHost, private readonly session: () => ConversationSession | undefined) {
    host.addController(this);
  }

  hostConnected(): void {
    this.resubscribe();
  }

  hostUpdate(): void {
    if (this.session() !== this.subscribed) this.resubscribe();
  }

  hostUpdated(): void {
    const typing = (this.subscribed?.typingNames().length ?? 0) > 0;
    if (typing && !this.ticker) this.ticker = setInterval(() => this.host.requestUpdate(), 1000);
    if (!typing && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }

  hostDisconnected(): void {
    this.subscribed?.off('changed', this.onChange);
    this.subscribed = null;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  private resubscribe(): void {
    this.subscribed?.off('changed', this.onChange);
    this.subscribed = this.session() ?? null;
    this.subscribed?.on('changed', this.onChange);
  }

  private readonly onChange = (): void => this.host.requestUpdate();
}
