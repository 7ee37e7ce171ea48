/**
 * Re-renders the host every `everyMs` while `active()` holds, e.g. so "is typing…" expires
 * on time. The interval exists only while needed and never outlives the connection.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class TickController implements ReactiveController {
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly active: () => boolean,
    private readonly everyMs = 1000,
  ) {
    host.addController(this);
  }

  hostUpdated(): void {
    const want = this.active();
    if (want && !this.timer) this.timer = setInterval(() => this.host.requestUpdate(), this.everyMs);
    if (!want) this.stop();
  }

  hostDisconnected(): void {
    this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
