/**
 * The stage of a Web Push test file (push.test.ts, push-caps.test.ts): one local push service
 * on loopback for the whole file, real Parley servers (port 0) closed after each case, and
 * browser-like devices with real subscriber keys that post their subscriptions through the
 * real HTTP route.
 */
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { ParleyServerOptions } from '../../signaling/server.js';
import { createSubscriberKeys, type SubscriberKeys } from './push-crypto.js';
import { PushEndpoint } from './push-endpoint.js';
import type { MailboxCredentials } from './signaling-mailbox.js';
import { serverPool, type TestServer } from './signaling-server.js';

/** A browser's push subscription: an endpoint on the local push service and real keys. */
export interface PushDevice {
  /** The endpoint's name on the push service (what `push.next(name)` waits for). */
  readonly name: string;
  readonly endpoint: string;
  readonly keys: SubscriberKeys;
  /** What the client sends as X-Parley-Exclude: the endpoint's SHA-256, hex. */
  readonly hash: string;
}

export interface PushAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface PushStage {
  /** The local push service (started before the file's first case). */
  readonly push: PushEndpoint;
  /** Starts a server with the stage's settings, then `init`; it is closed after the case. */
  server(init?: ParleyServerOptions): Promise<TestServer>;
  /** Stops a server and starts a new one on the same data (its stores survive). */
  restart(s: TestServer, init?: ParleyServerOptions): Promise<TestServer>;
  /** A new device, named `<label>-<n>`. */
  device(label?: string): PushDevice;
  /** The `POST /api/push/subscription` body by which `device` follows `boxes`. */
  body(device: PushDevice, boxes: readonly MailboxCredentials[]): Record<string, unknown>;
  /** Sends `body` (JSON, or a string as it is) to `/api/push/subscription`. */
  request(s: TestServer, body: unknown, init?: { method?: string; headers?: Record<string, string> }): Promise<PushAnswer>;
  /** Endpoints stored, oldest first. */
  endpoints(s: TestServer): string[];
}

export function usePushStage(settings: ParleyServerOptions = {}): PushStage {
  let push: PushEndpoint | undefined;
  const pool = serverPool(settings);
  let counter = 0;
  beforeAll(async () => {
    push = await PushEndpoint.start();
  });
  afterAll(async () => {
    await push?.close();
  });
  afterEach(() => pool.closeAll());
  const service = (): PushEndpoint => {
    if (push === undefined) throw new Error('the push service starts in beforeAll');
    return push;
  };
  return {
    get push() {
      return service();
    },
    server: pool.server,
    restart: pool.restart,
    device(label = 'device') {
      const name = `${label}-${++counter}`;
      const endpoint = service().url(name);
      return { name, endpoint, keys: createSubscriberKeys(), hash: createHash('sha256').update(endpoint).digest('hex') };
    },
    body(device, boxes) {
      return { subscription: { endpoint: device.endpoint, expirationTime: null, keys: device.keys.json }, mailboxes: boxes.map(({ id, token }) => ({ id, token })) };
    },
    async request(s, body, { method = 'POST', headers = {} } = {}) {
      const res = await fetch(`${s.httpUrl}/api/push/subscription`, {
        method,
        headers: { 'Content-Type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
    },
    endpoints(s) {
      return (s.server.db.prepare('SELECT endpoint FROM push_subscriptions ORDER BY id').all() as { endpoint: string }[]).map((r) => r.endpoint);
    },
  };
}
