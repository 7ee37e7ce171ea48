/**
 * Follows a lib0 `ObservableV2` (the client, a conversation, the PWA controller) for as long
 * as the host element is connected: it subscribes in `hostConnected`, moves to a new source
 * when the getter starts returning another one (a property set late, a context that arrives
 * after connection), and unsubscribes in `hostDisconnected`. By default every `changed`
 * re-renders the host; other events get the handlers passed in.
 *
 * Lit batches `requestUpdate` calls into one render per microtask, so a burst of changes in
 * one task renders once, and a live message renders without waiting for an animation frame.
 */
import { ContextConsumer, type Context } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** The part of lib0's ObservableV2 this needs (its event-map generics are too strict to name here). */
export interface Observable {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(name: any, fn: (...args: any[]) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  off(name: any, fn: (...args: any[]) => void): unknown;
}

/** Event name → handler. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handlers = Readonly<Record<string, (...args: any[]) => void>>;

export class ObservableController<T extends Observable> implements ReactiveController {
  private subscribed: T | null = null;
  private connected = false;
  private readonly handlers: Handlers;

  /**
   * @param source returns the observable to follow (undefined while there is none)
   * @param handlers event name → handler; omitted: re-render the host on `changed`
   */
  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly source: () => T | undefined,
    handlers?: Handlers,
  ) {
    this.handlers = handlers ?? { changed: () => host.requestUpdate() };
    host.addController(this);
  }

  /** The observable the source returns now. */
  get value(): T | undefined {
    return this.source();
  }

  hostConnected(): void {
    this.connected = true;
    this.follow(this.source() ?? null);
  }

  hostUpdate(): void {
    // The source may change between connection and now (a late property or context).
    this.refresh();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.follow(null);
  }

  /** Re-reads the source; call when it may have changed without a host update. */
  refresh(): void {
    if (!this.connected) return;
    const next = this.source() ?? null;
    if (next !== this.subscribed) this.follow(next);
  }

  private follow(next: T | null): void {
    if (this.subscribed) for (const [name, fn] of Object.entries(this.handlers)) this.subscribed.off(name, fn);
    this.subscribed = next;
    if (next) for (const [name, fn] of Object.entries(this.handlers)) next.on(name, fn);
  }
}

/**
 * An observable provided through @lit/context, followed while the host is connected: the
 * one way views get the client and the PWA controller.
 */
export function observeContext<T extends Observable>(
  host: ReactiveControllerHost & HTMLElement,
  context: Context<unknown, T | undefined>,
  handlers?: Handlers,
): ObservableController<T> {
  let controller: ObservableController<T> | null = null;
  const consumer = new ContextConsumer(host, {
    context,
    subscribe: true,
    // A value provided (or replaced) after connection: follow it and re-render.
    callback: () => {
      controller?.refresh();
      host.requestUpdate();
    },
  });
  controller = new ObservableController<T>(host, () => consumer.value, handlers);
  return controller;
}
