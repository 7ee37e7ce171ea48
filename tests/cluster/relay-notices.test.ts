/**
 * The relay and live mailbox notices through the Redis bus: two real Parley nodes share a
 * real `redis-server`; a relay frame from a socket on node A reaches the address held on
 * node B, exactly once, source swapped in; an append through A notifies a watcher on B.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeRelayFrame, encodeRelayFrame } from '../../src/core/wire/signaling.js';
import { SignalClient } from '../helpers/raw-signal-client.js';
import { MailboxClient, newMailbox } from '../helpers/signaling-mailbox.js';
import { startTestServer, type TestServer } from '../helpers/signaling-server.js';
import { RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
let a: TestServer;
let b: TestServer;
const clients: SignalClient[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
  [a, b] = await Promise.all([startTestServer({ redisUrl: redis.url, nodeId: 'node-a' }), startTestServer({ redisUrl: redis.url, nodeId: 'node-b' })]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await redis?.stop();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function bound(node: TestServer): Promise<{ c: SignalClient; addr: string }> {
  const c = await SignalClient.open(node.wsUrl);
  clients.push(c);
  c.send({ type: 'relay-bind' });
  const addr = (await c.next((f) => f.type === 'relay-bound')).addr as string;
  await node.server.links.fanout!.settled();
  return { c, addr };
}

describe('relay across nodes', () => {
  it('a frame from node A reaches the address held on node B once, with the source swapped in', async () => {
    const [onA, onB] = [await bound(a), await bound(b)];
    const payloads = [randomBytes(100), randomBytes(16 * 1024)];
    for (const p of payloads) onA.c.sendRaw(Buffer.from(encodeRelayFrame(onB.addr, p)), true);
    await onB.c.binaryCount(2);
    for (const [i, p] of payloads.entries()) {
      const got = decodeRelayFrame(onB.c.binary[i]!);
      expect(got?.addr).toBe(onA.addr);
      expect(Buffer.from(got!.payload).equals(p)).toBe(true);
    }
    // And back; nothing arrived twice, and the sender never got its own frames.
    onB.c.sendRaw(Buffer.from(encodeRelayFrame(onA.addr, Uint8Array.of(9))), true);
    await onA.c.binaryCount(1);
    await Promise.all([onA.c.roundTrip(), onB.c.roundTrip()]);
    expect(onB.c.binary).toHaveLength(2);
    expect(onA.c.binary).toHaveLength(1);
    // Held on another node is not gone: no relay-gone.
    expect(onA.c.queue.filter((f) => f.type === 'relay-gone')).toEqual([]);
  });

  it('a frame to an address no node holds is answered with relay-gone, as on one node', async () => {
    const onA = await bound(a);
    const { c: onB, addr: gone } = await bound(b);
    await onB.close();
    await b.server.links.fanout!.settled();
    onA.c.sendRaw(Buffer.from(encodeRelayFrame(gone, Uint8Array.of(1, 2, 3))), true);
    expect(await onA.c.next((f) => f.type === 'relay-gone')).toEqual({ type: 'relay-gone', addr: gone });
    const never = randomBytes(16).toString('hex');
    onA.c.sendRaw(Buffer.from(encodeRelayFrame(never, Uint8Array.of(4))), true);
    expect(await onA.c.next((f) => f.type === 'relay-gone')).toEqual({ type: 'relay-gone', addr: never });
  });
});

describe('mailbox notices across nodes', () => {
  it('an append through node A notifies a watcher on node B', async () => {
    const box = newMailbox();
    const watcher = await SignalClient.open(b.wsUrl);
    clients.push(watcher);
    watcher.send({ type: 'mailbox-watch', id: box.id, token: box.token });
    await watcher.roundTrip();
    await b.server.links.fanout!.settled();
    const res = await new MailboxClient(a.httpUrl, box).append('sealed');
    expect(res.status).toBe(201);
    expect(await watcher.next((f) => f.type === 'mailbox-notice')).toEqual({ type: 'mailbox-notice', id: box.id, seq: res.body.seq });
  });
});
