/** Dead sockets are found by ping and terminated (docs/architecture.md §6.3). */
import { afterEach, describe, expect, it } from 'vitest';
import { expectRelayWorks, SignalClient } from '../../helpers/raw-signal-client.js';
import { healthz, startTestServer, waitUntil, type TestServer } from '../../helpers/signaling-server.js';

const INTERVAL = 100;
let t: TestServer | undefined;

afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('heartbeat', () => {
  it('terminates a socket at the first heartbeat tick after a ping it did not answer', async () => {
    t = await startTestServer({ pingIntervalMs: INTERVAL });
    const s = t;
    const live = await SignalClient.open(s.wsUrl);
    const dead = await SignalClient.open(s.wsUrl, { autoPong: false });
    // Counted in heartbeat ticks, not milliseconds: timing bounds belong in the benchmarks.
    let deadPings = 0;
    dead.ws.on('ping', () => deadPings++);
    await dead.subscribe(['room']);
    await live.subscribe(['room']);
    const closed = await dead.closed;
    // Terminated, not closed: a peer that ignores pings would not answer a close frame either.
    expect(closed.code).toBe(1006);
    // One ping went unanswered; the next tick cut the socket (within two intervals).
    expect(deadPings).toBe(1);
    expect(s.server.metrics.heartbeatTimeouts).toBe(1);
    await waitUntil(() => s.server.stats().sockets === 1, 'the dead socket to be forgotten');
    expect(s.server.stats().subscriptions).toBe(1);

    // The live client answered every ping meanwhile and is still connected.
    let pings = 0;
    live.ws.on('ping', () => pings++);
    await waitUntil(() => pings >= 3, 'three more pings to the live client');
    expect(live.ws.readyState).toBe(live.ws.OPEN);
    expect(s.server.metrics.heartbeatTimeouts).toBe(1);
    expect((await healthz(s.httpUrl)).body.sockets).toBe(1);
    await expectRelayWorks(s.wsUrl);
    await live.close();
  });
});
