/**
 * Device registration by challenge (docs/architecture.md §6.3, docs/protocol.md §1.1): a device proves it holds its Ed25519 key by
 * signing a fresh nonce; the server stores the public key and nothing else.
 */
import { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeviceRegistration } from '../../../src/net/registration.js';
import { SignalingClient, type SocketLike } from '../../../src/net/signaling-client.js';
import { createDeviceKeys, signBytes } from '../../../src/core/identity/keys.js';
import { utf8 } from '../../../src/core/bytes.js';
import { CloseCodes, registrationText } from '../../../src/core/wire/signaling.js';
import { SignalClient, expectRelayWorks } from '../../helpers/raw-signal-client.js';
import { metricsText, startTestServer, type TestServer } from '../../helpers/signaling-server.js';

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.close();
});

async function challenge(client: SignalClient): Promise<string> {
  client.send({ type: 'challenge' });
  const frame = await client.next((m) => m.type === 'challenge');
  expect(frame.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return frame.nonce as string;
}

describe('device registration', () => {
  it('registers a key whose owner signs the nonce, and stores only the public key', async () => {
    const device = await createDeviceKeys();
    const client = await SignalClient.open(t.wsUrl);
    const nonce = await challenge(client);
    client.send({ type: 'register', key: device.public, sig: await signBytes(device.signPrivate, utf8(registrationText(nonce, device.public))) });
    const ok = await client.next((m) => m.type === 'registered');
    expect(ok.key).toBe(device.public);
    const rows = t.server.db.prepare('SELECT * FROM devices').all() as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!).sort()).toEqual(['first_seen', 'key', 'last_seen']);
    expect(rows[0]!.key).toBe(device.public);
    await client.close();
  });

  it('refuses a signature over another nonce with 4401, and others keep working', async () => {
    const device = await createDeviceKeys();
    const client = await SignalClient.open(t.wsUrl);
    await challenge(client);
    client.send({ type: 'register', key: device.public, sig: await signBytes(device.signPrivate, utf8(registrationText('A'.repeat(43), device.public))) });
    expect((await client.closed).code).toBe(CloseCodes.unauthorized);
    expect(t.server.db.prepare('SELECT count(*) AS n FROM devices').get()).toEqual({ n: 0 });
    await expectRelayWorks(t.wsUrl);
  });

  it('refuses a key that is not the signer (someone else public key)', async () => {
    const [mine, theirs] = await Promise.all([createDeviceKeys(), createDeviceKeys()]);
    const client = await SignalClient.open(t.wsUrl);
    const nonce = await challenge(client);
    client.send({ type: 'register', key: theirs.public, sig: await signBytes(mine.signPrivate, utf8(registrationText(nonce, theirs.public))) });
    expect((await client.closed).code).toBe(CloseCodes.unauthorized);
  });

  it('refuses register without a challenge, and a replayed nonce', async () => {
    const device = await createDeviceKeys();
    const early = await SignalClient.open(t.wsUrl);
    early.send({ type: 'register', key: device.public, sig: 'A'.repeat(86) });
    expect((await early.closed).code).toBe(CloseCodes.malformed);

    const client = await SignalClient.open(t.wsUrl);
    const nonce = await challenge(client);
    const sig = await signBytes(device.signPrivate, utf8(registrationText(nonce, device.public)));
    client.send({ type: 'register', key: device.public, sig });
    await client.next((m) => m.type === 'registered');
    // The nonce is single use: the same signature again is refused.
    client.send({ type: 'register', key: device.public, sig });
    expect((await client.closed).code).toBe(CloseCodes.malformed);
    await expectRelayWorks(t.wsUrl);
  });

  it('registers one device per socket: a second challenge closes it (4400), and no second key is stored', async () => {
    const client = await SignalClient.open(t.wsUrl);
    const first = await createDeviceKeys();
    const nonce = await challenge(client);
    client.send({ type: 'register', key: first.public, sig: await signBytes(first.signPrivate, utf8(registrationText(nonce, first.public))) });
    await client.next((m) => m.type === 'registered');
    // On the old code every challenge was answered: a client could store a fresh key per round trip.
    client.send({ type: 'challenge' });
    const outcome = await Promise.race([client.closed, client.next((m) => m.type === 'challenge').then(() => null)]);
    expect(outcome?.code).toBe(CloseCodes.malformed);
    expect(t.server.db.prepare('SELECT count(*) AS n FROM devices').get()).toEqual({ n: 1 });
    await expectRelayWorks(t.wsUrl);
  });

  it('limits registrations per address: past the budget a challenge goes unanswered, the socket stays and signals, and nothing is stored', async () => {
    const limited = await startTestServer({ registerBurst: 2, registersPerSecond: 0.01 });
    try {
      for (let i = 0; i < 2; i++) {
        const device = await createDeviceKeys();
        const client = await SignalClient.open(limited.wsUrl);
        const nonce = await challenge(client);
        client.send({ type: 'register', key: device.public, sig: await signBytes(device.signPrivate, utf8(registrationText(nonce, device.public))) });
        await client.next((m) => m.type === 'registered');
        await client.close();
      }
      // A third connection from the same address: before the cap its challenge was answered,
      // then for a while the socket was closed (4429), taking signaling from a Parley client,
      // which challenges on every connection.
      const third = await SignalClient.open(limited.wsUrl);
      third.send({ type: 'challenge' });
      // Frames of one socket are handled in order: had the challenge been answered, it would be queued before the pong.
      await third.roundTrip();
      expect(third.queue.filter((m) => m.type === 'challenge')).toEqual([]);
      expect(limited.server.db.prepare('SELECT count(*) AS n FROM devices').get()).toEqual({ n: 2 });
      // /metrics says so: since the 4429 close went, nothing counted a device left unregistered.
      const metrics = await metricsText(limited.httpUrl);
      expect(metrics).toMatch(/^parley_signal_registrations_total 2$/m);
      expect(metrics).toMatch(/^parley_signal_registrations_deferred_total 1$/m);
      // The same socket still signals: a publish from another client reaches it.
      const topic = 'b'.repeat(64);
      await third.subscribe([topic]);
      const other = await SignalClient.open(limited.wsUrl);
      other.send({ type: 'publish', topic, data: 'still here' });
      expect((await third.next((m) => m.type === 'publish')).data).toBe('still here');
      await other.close();
      await third.close();
      await expectRelayWorks(limited.wsUrl);
    } finally {
      await limited.close();
    }
  });

  it("counts an IPv6 /48's registrations together, at a multiple of one /64's budget", async () => {
    const limited = await startTestServer({ registerBurst: 1, registersPerSecond: 0.001, ipv6SiteFactor: 2, trustProxy: true });
    try {
      /** Whether a challenge from `ip` (through the trusted proxy's header) is answered. */
      const answered = async (ip: string): Promise<boolean> => {
        const client = await SignalClient.open(limited.wsUrl, { headers: { 'X-Forwarded-For': ip } });
        client.send({ type: 'challenge' });
        await client.roundTrip();
        const challenged = client.queue.some((m) => m.type === 'challenge');
        await client.close();
        return challenged;
      };
      // One each per /64, two in all per /48: the refusal of a spent /64 takes nothing from
      // its /48, and a third /64 there finds the /48's two spent (on the old code every /64
      // had its own, so a /48 holder had 65,536).
      const ips = ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:3::1', '2001:db8:1:4::1', '2001:db8:2:4::1', '192.0.2.1'];
      const outcomes: boolean[] = [];
      for (const ip of ips) outcomes.push(await answered(ip));
      expect(outcomes).toEqual([true, false, true, false, true, true]);
    } finally {
      await limited.close();
    }
  });

  it("Parley's own client (which registers on every connection) keeps signaling from an address past its registrations", async () => {
    const limited = await startTestServer({ registerBurst: 1, registersPerSecond: 0.01 });
    const clients: SignalingClient[] = [];
    try {
      const device = await createDeviceKeys();
      const signer = { key: device.public, sign: (text: string) => signBytes(device.signPrivate, utf8(text)) };
      const open = async (): Promise<{ client: SignalingClient; registration: DeviceRegistration; closed: number[] }> => {
        const client = new SignalingClient({ url: limited.httpUrl, createSocket: (u) => new WebSocket(u) as unknown as SocketLike });
        clients.push(client);
        const closed: number[] = [];
        client.on('closed', (code) => void closed.push(code));
        const registration = new DeviceRegistration(client, () => signer);
        client.start();
        await vi.waitFor(() => expect(client.status).toBe('connected'));
        return { client, registration, closed };
      };
      const first = await open();
      await vi.waitFor(() => expect(first.registration.registered).toBe(true));
      // The address's one registration is spent: the second device's challenge goes unanswered.
      const second = await open();
      const topic = 'c'.repeat(64);
      const heard: unknown[] = [];
      second.client.on('message', (_t, data) => void heard.push(data));
      second.client.subscribe(topic);
      // The old code closed it (4429) at its challenge and again at each reconnect.
      const raw = await SignalClient.open(limited.wsUrl);
      await vi.waitFor(async () => {
        raw.send({ type: 'publish', topic, data: 'hello' });
        await raw.roundTrip();
        expect(heard).toContain('hello');
      });
      await raw.close();
      expect(second.closed).toEqual([]);
      expect(second.client.status).toBe('connected');
      expect(second.registration.registered).toBe(false);
    } finally {
      for (const c of clients) c.destroy();
      await limited.close();
    }
  });

  it('a known key registering again within the hour writes nothing: its last-seen stays', async () => {
    const device = await createDeviceKeys();
    const register = async (): Promise<void> => {
      const client = await SignalClient.open(t.wsUrl);
      const nonce = await challenge(client);
      client.send({ type: 'register', key: device.public, sig: await signBytes(device.signPrivate, utf8(registrationText(nonce, device.public))) });
      await client.next((m) => m.type === 'registered');
      await client.close();
    };
    const row = () => t.server.db.prepare('SELECT first_seen, last_seen FROM devices').get() as { first_seen: number; last_seen: number };
    await register();
    const first = row();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await register();
    // On the old code every registration moved last_seen on: a durable write per reconnect.
    expect(row()).toEqual(first);
  });

  it('rejects malformed register frames with 4400', async () => {
    const client = await SignalClient.open(t.wsUrl);
    client.send({ type: 'register', key: 'short', sig: 5 });
    expect((await client.closed).code).toBe(CloseCodes.malformed);
  });
});
