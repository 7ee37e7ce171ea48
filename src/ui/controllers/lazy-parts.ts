/**
 * Parts of the UI that load on first use (docs/architecture.md §11, "Loaded on first use"):
 * each named part is one dynamic `import()` of the module that defines its elements, so the
 * start-up bundle holds only the first screen. While a part loads its place shows a status;
 * a part that failed to load shows why, with Try again, and the failure goes to the log:
 * never a blank area, never a swallowed error. The service worker precaches every chunk
 * (`sw/sw.ts`), so with no network a part loads from the cache like the entry did.
 */
import { html, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { errorField, type Logger } from '../../core/logger.js';

type PartState = 'loading' | 'ready' | { readonly failed: unknown };

export class LazyParts<Name extends string> implements ReactiveController {
  private readonly states = new Map<Name, PartState>();

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly loaders: Readonly<Record<Name, () => Promise<unknown>>>,
    private readonly logger: () => Logger,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    // Loads start from render (`show`); nothing to subscribe to.
  }

  /** Starts loading `name` unless it is loading, loaded or failed (Try again loads it anew). */
  load(name: Name): void {
    if (this.states.has(name)) return;
    this.states.set(name, 'loading');
    void this.loaders[name]().then(
      () => this.states.set(name, 'ready'),
      (error: unknown) => {
        this.logger().error('a part of the app could not load', { part: name, error: errorField(error) });
        this.states.set(name, { failed: error });
      },
    ).finally(() => this.host.requestUpdate());
  }

  /**
   * `template` once `name` has loaded (loading it on first call); until then a status that
   * says what is coming (`what`: "the conversation"), or the failure with Try again.
   */
  show(name: Name, what: string, template: unknown): unknown {
    this.load(name);
    const state = this.states.get(name)!;
    if (state === 'ready') return template;
    if (state === 'loading') return html`<p class="placeholder" role="status">Loading ${what}…</p>`;
    return html`<section class="placeholder" role="alert">
      <p>Could not load ${what}. Check your connection and try again.</p>
      <button type="button" @click=${() => this.retry(name)}>Try again</button>
    </section>`;
  }

  private retry(name: Name): void {
    this.states.delete(name);
    this.load(name);
    this.host.requestUpdate();
  }
}
