/**
 * A user action's life on screen: `busy` while it runs (buttons that start one are
 * disabled), the failure kept as `error` (views show it with `alert()`), and
 * never a rejection thrown into the event loop. Any view can hold one, or several for
 * independent parts of a screen.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { errorText } from '../error-text.js';

export class ActionController implements ReactiveController {
  private running = 0;
  private failure: unknown = null;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** An action is running. */
  get busy(): boolean {
    return this.running > 0;
  }

  /** The last action's failure, or null. */
  get error(): unknown {
    return this.failure;
  }

  /** The words for the last failure, or '' when there is none. */
  get errorText(): string {
    return this.failure === null ? '' : errorText(this.failure);
  }

  /** The last failure's words in a `p.error` with role="alert", or nothing when there is none. */
  alert(): TemplateResult | typeof nothing {
    return this.failure === null ? nothing : html`<p class="error" role="alert">${this.errorText}</p>`;
  }

  /** Forgets the last failure (dismissed, or no longer relevant). */
  clear(): void {
    if (this.failure === null) return;
    this.failure = null;
    this.host.requestUpdate();
  }

  /** Shows a failure that did not come from `run` (e.g. a rejected file). */
  fail(error: unknown): void {
    this.failure = error;
    this.host.requestUpdate();
  }

  /** Runs an action; resolves true when it succeeded. */
  async run(action: () => unknown): Promise<boolean> {
    this.running++;
    this.failure = null;
    this.host.requestUpdate();
    try {
      await action();
      return true;
    } catch (error) {
      this.failure = error;
      return false;
    } finally {
      this.running--;
      this.host.requestUpdate();
    }
  }

  hostConnected(): void {
    // Nothing to start: the controller only holds state for the host's render.
  }
}
