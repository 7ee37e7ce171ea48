/**
 * Ownership of everything a long-lived part starts: listeners, timers, child objects. A
 * part keeps one `Disposables` and calls `dispose()` from its own `destroy()`/`close()`, so
 * nothing it started outlives it (the lifecycle rule in docs/architecture.md). Constructors
 * may only *register* work here; starting I/O belongs in an explicit `start()`.
 */

import type { ObservableV2 } from 'lib0/observable';

/** Event maps as lib0's ObservableV2 takes them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EventMap<E> = { [K in keyof E]: (...args: any[]) => void };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (...args: any[]) => void;
/** Anything with ObservableV2's `on`/`off`. */
type Emitter = { on(name: string, fn: Handler): unknown; off(name: string, fn: Handler): unknown };

export class Disposables {
  private readonly items: Array<() => void> = [];
  private disposed = false;

  /** True once `dispose()` ran; later registrations are released at once. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Number of live registrations (tests assert that destroy released everything). */
  get size(): number {
    return this.items.length;
  }

  /** Registers a release function; returns it so callers can also release early. */
  add(release: () => void): () => void {
    if (this.disposed) {
      release();
      return release;
    }
    let done = false;
    const once = (): void => {
      if (done) return;
      done = true;
      const i = this.items.indexOf(once);
      if (i >= 0) this.items.splice(i, 1);
      release();
    };
    this.items.push(once);
    return once;
  }

  /** Subscribes to an observable until disposal; returns the early unsubscribe. */
  listen<E extends EventMap<E>, K extends keyof E & string>(source: ObservableV2<E>, name: K, fn: E[K]): () => void {
    source.on(name, fn);
    return this.add(() => source.off(name, fn));
  }

  /**
   * `listenTo(source).on(name, fn)`: subscribes until disposal, typed by the source's own
   * `on`. Use it for subclasses of ObservableV2 and interfaces extending it, whose event map
   * TypeScript cannot infer for `listen`. Returns the handler, like ObservableV2's `on`.
   */
  listenTo<S extends Emitter>(source: S): Pick<S, 'on'> {
    const on = (name: string, fn: Handler): Handler => {
      source.on(name, fn);
      this.add(() => source.off(name, fn));
      return fn;
    };
    // The wrapper's `on` has exactly the source's signature; only its body is untyped.
    return { on } as unknown as Pick<S, 'on'>;
  }

  /** A timeout that is cleared on disposal; returns the early cancel. */
  timeout(fn: () => void, ms: number): () => void {
    let release: () => void = () => undefined;
    const handle = setTimeout(() => {
      release();
      fn();
    }, ms);
    release = this.add(() => clearTimeout(handle));
    return release;
  }

  /** An interval that is cleared on disposal; returns the early cancel. */
  interval(fn: () => void, ms: number): () => void {
    const handle = setInterval(fn, ms);
    return this.add(() => clearInterval(handle));
  }

  /** Releases everything, newest first. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    while (this.items.length > 0) this.items[this.items.length - 1]!();
  }
}
