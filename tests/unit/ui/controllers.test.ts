/**
 * The generic UI controllers against a minimal reactive host: subscriptions exist only while
 * the host is connected, follow a source that changes, and actions keep busy and error.
 */
import { ObservableV2 } from 'lib0/observable';
import { nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { describe, expect, it } from 'vitest';
import { ActionController } from '../../../src/ui/controllers/action-controller.js';
import { ObservableController } from '../../../src/ui/controllers/observable-controller.js';
import { ClientError } from '../../../src/client/errors.js';

class Host implements ReactiveControllerHost {
  readonly controllers: ReactiveController[] = [];
  updates = 0;
  addController(c: ReactiveController): void {
    this.controllers.push(c);
  }
  removeController(): void {}
  requestUpdate(): void {
    this.updates++;
  }
  get updateComplete(): Promise<boolean> {
    return Promise.resolve(true);
  }
  connect(): void {
    for (const c of this.controllers) c.hostConnected?.();
  }
  update(): void {
    for (const c of this.controllers) c.hostUpdate?.();
  }
  disconnect(): void {
    for (const c of this.controllers) c.hostDisconnected?.();
  }
}

class Source extends ObservableV2<{ changed: () => void; error: (e: Error) => void }> {
  listeners(name: string): number {
    return this._observers.get(name)?.size ?? 0;
  }
}

describe('ObservableController', () => {
  it('subscribes on connect, follows a new source, and unsubscribes on disconnect', () => {
    const host = new Host();
    let source: Source | undefined;
    const seen: Error[] = [];
    new ObservableController(host, () => source, { changed: () => host.requestUpdate(), error: (e: Error) => seen.push(e) });
    source = new Source();
    host.connect();
    expect(source.listeners('changed')).toBe(1);
    source.emit('changed', []);
    source.emit('error', [new Error('x')]);
    expect(host.updates).toBe(1);
    expect(seen).toHaveLength(1);

    const first = source;
    source = new Source();
    host.update();
    expect(first.listeners('changed')).toBe(0);
    expect(first.listeners('error')).toBe(0);
    expect(source.listeners('changed')).toBe(1);

    host.disconnect();
    expect(source.listeners('changed')).toBe(0);
    expect(source.listeners('error')).toBe(0);
    host.update(); // no resubscription while disconnected
    expect(source.listeners('changed')).toBe(0);
  });

  it('re-renders on changed by default', () => {
    const host = new Host();
    const source = new Source();
    new ObservableController(host, () => source);
    host.connect();
    source.emit('changed', []);
    expect(host.updates).toBe(1);
  });
});

describe('ActionController', () => {
  it('is busy while running and keeps the failure in words', async () => {
    const host = new Host();
    const action = new ActionController(host);
    let release: () => void = () => undefined;
    const running = action.run(() => new Promise<void>((r) => (release = r)));
    expect(action.busy).toBe(true);
    release();
    await expect(running).resolves.toBe(true);
    expect(action.busy).toBe(false);
    await expect(action.run(() => Promise.reject(new ClientError('empty-message')))).resolves.toBe(false);
    expect(action.errorText).toBe('Write something first.');
    action.clear();
    expect(action.error).toBeNull();
    expect(action.errorText).toBe('');
  });

  it('renders the failure as one alert, and nothing without one', async () => {
    const action = new ActionController(new Host());
    expect(action.alert()).toBe(nothing);
    await action.run(() => Promise.reject(new ClientError('empty-message')));
    const alert = action.alert() as TemplateResult;
    expect(alert.strings.join('')).toBe('<p class="error" role="alert"></p>');
    expect(alert.values).toEqual(['Write something first.']);
    action.clear();
    expect(action.alert()).toBe(nothing);
  });
});
