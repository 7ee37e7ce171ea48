/**
 * Device registration and presence against a real Parley server on port 0 (the scripted
 * socket tests in signaling-parts.test.ts pin the frames; these pin what the server makes of
 * them): a real Ed25519 signature registers and is recorded, a forged one is refused; one
 * device's announced presence id is reported online to another that watches it, offline with
 * a last-seen time when it leaves, and reported again to a watcher that reconnects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { utf8 } from '../../../src/core/bytes.js';
import { createDeviceKeys, signBytes } from '../../../src/core/identity/keys.js';
import { PresenceClient } from '../../../src/net/presence-client.js';
import { DeviceRegistration, type DeviceSigner } from '../../../src/net/registration.js';
import { SignalingClient, type SocketLike } from '../../../src/net/signaling-client.js';
import { restartTestServer, startTestServer, waitUntil, type TestServer } from '../../helpers/signaling-server.js';

const ID_A = 'a'.repeat(32);
const ID_B = 'b'.repeat(32);

let server: TestServer | null = null;
const cleanup: Array<{ destroy(): void }> = [];

afterEach(async () => {
  for (const part of cleanup.splice(0).reverse()) part.destroy();
  await server?.close();
  server = null;
});

async function connect(): Promise<SignalingClient> {
  server ??= await startTestServer();
  const signaling = new SignalingClient({ url: server.httpUrl, createSocket: (u) => new WebSocket(u) as unknown as SocketLike }).start();
  cleanup.push(signaling);
  return signaling;
}

async function signerFor(): Promise<DeviceSigner> {
  const keys = await createDeviceKeys();
  return { key: keys.public, sign: (text) => signBytes(keys.signPrivate, utf8(text)) };
}

describe('DeviceRegistration against the server', () => {
  it('registers with a real signature on connect, and the server records the key', async () => {
    const signaling = await connect();
    const signer = await signerFor();
    const registration = new DeviceRegistration(signaling, () => signer);
    cleanup.push(registration);
    const registered: string[] = [];
    registration.on('registered', (key) => registered.push(key));
    // Registers on connect, or now if the socket connected first.
    registration.start();
    await waitUntil(() => registration.registered, 'registration');
    expect(registered).toEqual([signer.key]);
    expect(await server!.server.stores.devices.count()).toBe(1);
  });

  it('a signature by another key is refused: never registered, nothing recorded', async () => {
    const signaling = await connect();
    const claimed = await signerFor();
    const other = await signerFor();
    const registration = new DeviceRegistration(signaling, () => ({ key: claimed.key, sign: other.sign }));
    cleanup.push(registration);
    const closes: number[] = [];
    signaling.on('closed', (code) => closes.push(code));
    registration.start();
    await waitUntil(() => closes.length > 0, 'the server to close the socket');
    expect(closes[0]).toBe(4401);
    expect(registration.registered).toBe(false);
    expect(await server!.server.stores.devices.count()).toBe(0);
  });
});

describe('PresenceClient against the server', () => {
  it('sees a watched id online while another device holds it, then offline with a last-seen time', async () => {
    const alice = new PresenceClient(await connect());
    const bob = new PresenceClient(await connect());
    cleanup.push(alice, bob);
    bob.watch([ID_A, ID_B]);
    alice.announce([ID_A]);
    await waitUntil(() => bob.state(ID_A)?.online === true, 'bob to see alice online');
    expect(bob.state(ID_B)?.online ?? false).toBe(false);
    const before = Date.now();
    alice.announce([]);
    await waitUntil(() => bob.state(ID_A)?.online === false, 'bob to see alice offline');
    expect(bob.state(ID_A)!.lastSeen).toBeGreaterThanOrEqual(before - 1000);
  });

  it('after the server restarts, both send their sets again: the watcher sees the holder online again', async () => {
    const alice = new PresenceClient(await connect());
    const bob = new PresenceClient(await connect());
    cleanup.push(alice, bob);
    bob.watch([ID_A]);
    alice.announce([ID_A]);
    await waitUntil(() => bob.state(ID_A)?.online === true, 'alice online');
    // A restart on the same port: the server forgot every socket's ids and watches.
    server = await restartTestServer(server!, { port: server!.server.port });
    let reports = 0;
    bob.on('changed', () => reports++);
    await waitUntil(() => server!.server.stats().sockets === 2, 'both clients to reconnect', 15_000);
    await waitUntil(() => server!.server.deliveryStats().presenceOnline === 1 && server!.server.deliveryStats().presenceWatches === 1, 'ids and watches re-sent');
    // A fresh report from the new server, not the state remembered from the old one.
    await waitUntil(() => reports > 0 && bob.state(ID_A)?.online === true, 'a new report of alice online');
  });
});
