/**
 * Real signaling servers (port 0, a temporary directory each) and raw `ws` clients for one
 * test file: whatever a test opens is closed after it, clients first.
 */
import type { ClientOptions } from 'ws';
import { afterEach } from 'vitest';
import type { ParleyServerInit } from '../../signaling/config.js';
import { SignalClient } from './raw-signal-client.js';
import { serverPool, type TestServer } from './signaling-server.js';

export interface SignalStage {
  /** Starts a server with the stage's settings, then `init`. */
  server(init?: ParleyServerInit): Promise<TestServer>;
  /** Opens a raw client on a server's `/signal`. */
  open(s: TestServer, options?: ClientOptions): Promise<SignalClient>;
  /** Stops a server and starts a new one on the same data (its stores survive). */
  restart(s: TestServer, init?: ParleyServerInit): Promise<TestServer>;
}

export function useSignalStage(settings: ParleyServerInit = {}): SignalStage {
  const pool = serverPool(settings);
  const clients: SignalClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await pool.closeAll();
  });
  return {
    server: pool.server,
    restart: pool.restart,
    async open(s, options) {
      const c = await SignalClient.open(s.wsUrl, options);
      clients.push(c);
      return c;
    },
  };
}
