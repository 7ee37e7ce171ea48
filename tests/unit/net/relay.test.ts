/**
 * The relay link against a malicious server (docs/protocol.md §3): it reads, injects, replays,
 * reorders, drops and swaps sockets. None of it delivers a byte the other end did not send,
 * and every attempt closes the link. Real WebCrypto; the server is the in-memory hub.
 */
import { describe, expect, it } from 'vitest';
import type { SessionId } from '../../../src/core/ids.js';
import { createRelayKeyPair, deriveRelaySecrets, type RelaySecrets } from '../../../src/net/relay/relay-handshake.js';
import { RelayMux } from '../../../src/net/relay/relay-mux.js';
import { sealRecord, RecordTypes } from '../../../src/net/relay/relay-records.js';
import type { RelayTransport } from '../../../src/net/relay/relay-transport.js';
import { transportContractCases } from '../../contracts/transport-contract.js';
import { MemorySignalingHub, type MemorySignalingPort } from '../../helpers/memory-signaling.js';

const A = 'sessionAAAAA' as SessionId;
const B = 'sessionBBBBB' as SessionId;

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface RelayPair {
  readonly hub: MemorySignalingHub;
  readonly ports: [MemorySignalingPort, MemorySignalingPort];
  readonly a: RelayTransport;
  readonly b: RelayTransport;
  readonly secrets: [RelaySecrets, RelaySecrets];
  readonly atB: Uint8Array[];
  readonly closes: { a: string[]; b: string[] };
}

async function relayPair(hub = new MemorySignalingHub()): Promise<RelayPair> {
  const pa = hub.port().connect();
  const pb = hub.port().connect();
  const [ka, kb] = await Promise.all([createRelayKeyPair(), createRelayKeyPair()]);
  const sa = { session: A, addr: pa.relayAddress!, key: ka.publicKey };
  const sb = { session: B, addr: pb.relayAddress!, key: kb.publicKey };
  const secrets: [RelaySecrets, RelaySecrets] = [await deriveRelaySecrets(sa, ka.privateKey, sb), await deriveRelaySecrets(sb, kb.privateKey, sa)];
  const a = new RelayMux(pa).start().open(sb.addr, secrets[0]);
  const b = new RelayMux(pb).start().open(sa.addr, secrets[1]);
  const atB: Uint8Array[] = [];
  const closes = { a: [] as string[], b: [] as string[] };
  b.on('message', (m) => atB.push(m));
  a.on('close', (r) => closes.a.push(r));
  b.on('close', (r) => closes.b.push(r));
  a.start();
  b.start();
  await until(() => a.isOpen && b.isOpen, 'the relay link to open');
  return { hub, ports: [pa, pb], a, b, secrets, atB, closes };
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const texts = (ms: Uint8Array[]): string[] => ms.map((m) => new TextDecoder().decode(m));

describe('relay handshake', () => {
  it('gives both ends the same binding and tag, and opposite direction keys', async () => {
    const { a, b, secrets } = await relayPair();
    expect(a.binding()).toEqual(b.binding());
    expect(a.binding().local).toMatch(/^relay sha-256 [0-9a-f]{64}$/);
    expect(secrets[0].tag).toEqual(secrets[1].tag);
    // What A seals, B opens with its receive key (the link works), and the keys differ per direction.
    const sealed = await sealRecord(secrets[0].sendKey, secrets[0].tag, 7, RecordTypes.data, text('x'));
    const { openRecord } = await import('../../../src/net/relay/relay-records.js');
    expect(await openRecord(secrets[1].receiveKey, secrets[1].tag, 7, sealed)).not.toBeNull();
    expect(await openRecord(secrets[1].sendKey, secrets[1].tag, 7, sealed)).toBeNull();
  });

  it('leaves a server that substitutes its own keys with two different bindings (so no hello verifies)', async () => {
    const hub = new MemorySignalingHub();
    const [pa, pb] = [hub.port().connect(), hub.port().connect()];
    const [ka, kb, m1, m2] = await Promise.all([createRelayKeyPair(), createRelayKeyPair(), createRelayKeyPair(), createRelayKeyPair()]);
    const sa = { session: A, addr: pa.relayAddress!, key: ka.publicKey };
    const sb = { session: B, addr: pb.relayAddress!, key: kb.publicKey };
    // A thinks B's key is m1; B thinks A's key is m2.
    const atA = await deriveRelaySecrets(sa, ka.privateKey, { ...sb, key: m1.publicKey });
    const atB = await deriveRelaySecrets(sb, kb.privateKey, { ...sa, key: m2.publicKey });
    expect(atA.binding).not.toBe(atB.binding);
  });

  it('refuses a remote key that is not a usable X25519 public key', async () => {
    const k = await createRelayKeyPair();
    const local = { session: A, addr: '0'.repeat(32), key: k.publicKey };
    await expect(deriveRelaySecrets(local, k.privateKey, { session: B, addr: '1'.repeat(32), key: 'A'.repeat(43) })).rejects.toThrow(/usable/);
    await expect(deriveRelaySecrets(local, k.privateKey, { session: B, addr: '1'.repeat(32), key: 'short' })).rejects.toThrow(/32 bytes/);
  });
});

describe('relay link against a malicious server', () => {
  it('carries only ciphertext: the server reads nothing', async () => {
    const { a, atB, hub } = await relayPair();
    a.send(text('meet at the old mill at noon'));
    await until(() => atB.length === 1, 'delivery');
    expect(hub.relayed.some((f) => Buffer.from(f.payload).includes(Buffer.from('old mill')))).toBe(false);
  });

  it('closes on an injected record and delivers nothing of it', async () => {
    const { a, b, atB, hub, ports, secrets } = await relayPair();
    a.send(text('one'));
    await until(() => atB.length === 1, 'the first message');
    // The server knows the tag (every record starts with it) but not the keys.
    const forged = new Uint8Array([...secrets[0].tag, ...new Uint8Array(40).fill(7)]);
    hub.inject(ports[0].relayAddress!, ports[1].relayAddress!, forged);
    await until(() => b.isClosed, 'B to close');
    expect(texts(atB)).toEqual(['one']);
  });

  it('closes on a replayed record and delivers nothing twice', async () => {
    const { a, b, atB, hub, ports } = await relayPair();
    let copy: { from: string; to: string; payload: Uint8Array } | null = null;
    hub.relayFilter = (f) => {
      if (f.to === ports[1].relayAddress) copy ??= f;
      return f;
    };
    a.send(text('pay Bob 10'));
    await until(() => atB.length === 1, 'the message');
    expect(copy).not.toBeNull();
    hub.inject(copy!.from, copy!.to, copy!.payload);
    await until(() => b.isClosed, 'B to close');
    expect(texts(atB)).toEqual(['pay Bob 10']);
  });

  it('closes when records are reordered or one is dropped, delivering nothing out of order', async () => {
    for (const attack of ['reorder', 'drop'] as const) {
      const { a, b, atB, hub, closes, ports } = await relayPair();
      let held: { from: string; to: string; payload: Uint8Array } | null = null;
      let seen = 0;
      hub.relayFilter = (f) => {
        if (f.to !== ports[1].relayAddress) return f;
        seen++;
        if (seen === 1) {
          held = f;
          return null;
        }
        if (seen === 2 && attack === 'reorder') setTimeout(() => hub.inject(held!.from, held!.to, held!.payload), 5);
        return f;
      };
      a.send(text('first'));
      a.send(text('second'));
      await until(() => b.isClosed, `B to close (${attack})`);
      expect(atB).toEqual([]);
      expect(closes.b).toEqual(['protocol-violation']);
    }
  });

  it('closes when the server swaps sockets (a record arrives from another address)', async () => {
    const { a, b, atB, hub, ports, closes } = await relayPair();
    const stranger = hub.port().connect();
    hub.relayFilter = (f) => (f.to === ports[1].relayAddress ? { ...f, from: stranger.relayAddress! } : f);
    a.send(text('hello'));
    await until(() => b.isClosed, 'B to close');
    expect(atB).toEqual([]);
    expect(closes.b).toEqual(['protocol-violation']);
  });
});

describe('transport contract: relay', () => {
  for (const c of transportContractCases) {
    it(c.name, async () => {
      const hub = new MemorySignalingHub();
      const pa = hub.port().connect();
      const pb = hub.port().connect();
      const [ka, kb] = await Promise.all([createRelayKeyPair(), createRelayKeyPair()]);
      const sa = { session: A, addr: pa.relayAddress!, key: ka.publicKey };
      const sb = { session: B, addr: pb.relayAddress!, key: kb.publicKey };
      const a = new RelayMux(pa).start().open(sb.addr, await deriveRelaySecrets(sa, ka.privateKey, sb));
      const b = new RelayMux(pb).start().open(sa.addr, await deriveRelaySecrets(sb, kb.privateKey, sa));
      setTimeout(() => {
        a.start();
        b.start();
      }, 0);
      await c.run({ a, b, dispose: async () => a.close() });
    });
  }
});
