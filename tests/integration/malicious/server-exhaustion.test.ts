/**
 * Strangers against the server's disk and memory, with no credentials but the mailbox
 * tokens they mint themselves (docs/architecture.md §6, §8). Each attack worked before the
 * server had these limits: one address filling the disk through fresh mailboxes, stalled
 * uploads growing memory without bound, and slowloris connections held forever.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig, type ParleyServerInit } from '../../../signaling/config.js';
import { MailboxClient as ParleyMailboxClient, MailboxError } from '../../../src/net/mailbox-client.js';
import { MailboxClient, newMailbox } from '../../helpers/signaling-mailbox.js';
import { LineProcess } from '../../helpers/signaling-process.js';
import { startTestServer, writeStaticFixtures, type TestServer } from '../../helpers/signaling-server.js';

const servers: TestServer[] = [];
const procs: LineProcess[] = [];
const sockets: net.Socket[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const p of procs.splice(0)) p.kill();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** The production per-address limits (test servers turn them off by default). */
const d = defaultConfig();
const PRODUCTION_RATES: ParleyServerInit = {
  mailboxAppendBurst: d.mailboxAppendBurst,
  mailboxAppendsPerSecond: d.mailboxAppendsPerSecond,
  mailboxAppendBurstBytes: d.mailboxAppendBurstBytes,
  mailboxAppendBytesPerSecond: d.mailboxAppendBytesPerSecond,
  mailboxCreateBurst: d.mailboxCreateBurst,
  mailboxCreatesPerSecond: d.mailboxCreatesPerSecond,
  uploadMaxPerAddress: d.uploadMaxPerAddress,
};

async function server(init: ParleyServerInit = {}): Promise<TestServer> {
  const s = await startTestServer({ stunPort: null, ...PRODUCTION_RATES, ...init });
  servers.push(s);
  return s;
}

/** A mailbox client whose requests claim to come from `address` (the server trusts its proxy). */
function from(s: TestServer, address: string, box = newMailbox()): MailboxClient {
  const client = new MailboxClient(s.httpUrl, box);
  const request = client.request.bind(client);
  client.request = (method, query = '', init = {}) => request(method, query, { ...init, headers: { 'X-Forwarded-For': address, ...init.headers } });
  return client;
}

const MiB = 1024 * 1024;

describe('disk: one address, many fresh mailboxes', () => {
  it('cannot store 16 × 8 MiB in fresh mailboxes at once: its byte budget runs out, others are unaffected', async () => {
    const s = await server({ trustProxy: true });
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) statuses.push((await from(s, '203.0.113.9').append(new Uint8Array(randomBytes(8 * MiB)))).status);
    const stored = statuses.filter((st) => st === 201).length;
    expect(stored * 8).toBeLessThanOrEqual(40);
    expect(statuses.filter((st) => st === 429).length).toBeGreaterThanOrEqual(11);
    // Someone else is still served.
    expect((await from(s, '198.51.100.4').append('hello')).status).toBe(201);
  });

  it('mailbox creation is rate-limited per address; its existing mailboxes still take appends', async () => {
    const s = await server({ trustProxy: true });
    const mine = from(s, '203.0.113.10');
    expect((await mine.append('first')).status).toBe(201);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 60; i++) {
      const res = await from(s, '203.0.113.10').append('x');
      statuses.push(res.status);
      if (res.status === 429) retryAfter ??= res.headers.get('retry-after');
    }
    expect(statuses.filter((st) => st === 201).length).toBeLessThan(40);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect((await mine.append('second')).status).toBe(201);
    expect((await from(s, '198.51.100.5').append('new box elsewhere')).status).toBe(201);
  });

  it("Parley's own mailbox client takes a rate-limit refusal as 'retry later', not as a failure", async () => {
    const s = await server({ trustProxy: true, mailboxCreateBurst: 1, mailboxCreatesPerSecond: 0.01 });
    const client = new ParleyMailboxClient(s.httpUrl, (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), 'X-Forwarded-For': '203.0.113.12' } }));
    const [first, second] = [newMailbox(), newMailbox()];
    expect(await client.append(first.id, first.token, Uint8Array.of(1))).toBe(1);
    const refused = await client.append(second.id, second.token, Uint8Array.of(1)).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(MailboxError);
    expect((refused as MailboxError).status).toBe(429);
    expect((refused as MailboxError).retryAfterSeconds).toBeGreaterThan(0);
    expect((refused as MailboxError).transient).toBe(true);
  });

  it('appends are rate-limited per address', async () => {
    const s = await server({ trustProxy: true });
    const box = newMailbox();
    const statuses: number[] = [];
    for (let i = 0; i < 400; i++) statuses.push((await from(s, '203.0.113.11', box).append('x')).status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((st) => st === 201).length).toBeLessThan(400);
  });
});

describe('disk: the whole server', () => {
  it('MAILBOX_MAX_TOTAL_BYTES: past it appends get 507 and every acknowledged entry stays; freed space is usable again', async () => {
    const s = await server({ trustProxy: true, mailboxMaxTotalBytes: 3 * MiB });
    const acknowledged: { client: MailboxClient; seq: number }[] = [];
    let full = 0;
    for (let i = 0; i < 8; i++) {
      const client = from(s, `192.0.2.${i + 1}`);
      const res = await client.append(new Uint8Array(randomBytes(MiB / 2)));
      if (res.status === 201) acknowledged.push({ client, seq: res.body.seq });
      else {
        expect(res.status).toBe(507);
        expect(res.body.error).toBe('storage-full');
        full++;
      }
    }
    expect(acknowledged.length).toBe(6);
    expect(full).toBe(2);
    for (const { client, seq } of acknowledged) expect((await client.list()).entries.map((e) => e.seq)).toEqual([seq]);
    // A reader trims its mailbox: the space comes back.
    expect((await acknowledged[0]!.client.deleteUpTo(acknowledged[0]!.seq)).status).toBe(200);
    const again = from(s, '192.0.2.99');
    let status = 0;
    for (let i = 0; i < 50 && status !== 201; i++) {
      status = (await again.append(new Uint8Array(randomBytes(MiB / 2)))).status;
      if (status !== 201) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(201);
  });

  it('a full disk answers 507 and loses nothing already acknowledged', async () => {
    const s = await server({ trustProxy: true });
    const box = from(s, '192.0.2.50');
    const seqs: number[] = [];
    for (let i = 0; i < 3; i++) seqs.push((await box.append(`kept ${i}`)).body.seq);
    // SQLite reports SQLITE_FULL exactly as on a full disk once the file may not grow.
    const pages = s.server.db.pragma('page_count', { simple: true }) as number;
    s.server.db.pragma(`max_page_count = ${pages + 2}`);
    let res = await box.append(new Uint8Array(randomBytes(256 * 1024)));
    expect(res.status).toBe(507);
    expect(res.body.error).toBe('storage-full');
    expect((await box.list()).entries.map((e) => e.seq)).toEqual(seqs);
    s.server.db.pragma('max_page_count = 1073741823');
    res = await box.append('after the disk was freed');
    expect(res.status).toBe(201);
    expect(res.body.seq).toBe(seqs.at(-1)! + 1);
  });
});

/**
 * Starts a `POST` of `size` bytes that sends all but the last byte, then stalls. Resolves
 * once it has stalled, or once the server has answered and closed (a refused upload).
 */
function stalledUpload(port: number, address: string, size: number): Promise<{ socket: net.Socket; response: Promise<string> }> {
  return new Promise((resolve) => {
    const box = newMailbox();
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    let text = '';
    socket.on('data', (d) => (text += d.toString('latin1')));
    // A refused upload is closed by the server while we still write: that is expected.
    socket.on('error', () => {});
    const response = new Promise<string>((done) => socket.on('close', () => done(text)));
    const settle = (): void => resolve({ socket, response });
    socket.once('close', settle);
    socket.once('connect', () => {
      socket.write(
        `POST /api/mailbox/${box.id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${box.token}\r\nX-Forwarded-For: ${address}\r\n` +
          `Content-Type: application/octet-stream\r\nContent-Length: ${size}\r\n\r\n`,
      );
      const chunk = Buffer.alloc(64 * 1024, 7);
      let sent = 0;
      const pump = (): void => {
        while (sent < size - 1) {
          if (socket.destroyed) return;
          const n = Math.min(chunk.length, size - 1 - sent);
          sent += n;
          if (!socket.write(chunk.subarray(0, n))) return void socket.once('drain', pump);
        }
        settle();
      };
      pump();
    });
  });
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
}

describe('memory: stalled uploads', () => {
  it('40 stalled 8 MiB uploads from 40 addresses do not grow the server by hundreds of MiB', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-stall-'));
    dirs.push(dir);
    await writeStaticFixtures(path.join(dir, 'static'));
    const proc = LineProcess.spawnTsx('signaling/main.ts', [], {
      PORT: '0',
      HOST: '127.0.0.1',
      STUN_PORT: '0',
      TRUST_PROXY: '1',
      STATIC_DIR: path.join(dir, 'static'),
      DATA_DIR: path.join(dir, 'data'),
    });
    procs.push(proc);
    const line = await proc.waitForLine((l) => l.startsWith('Parley server listening on'), 'the listening line');
    const port = Number(/:(\d+)$/.exec(line)?.[1]);
    const pid = Number((await readFile(`/proc/${proc.child.pid}/task/${proc.child.pid}/children`, 'utf8')).trim().split(/\s+/)[0]);
    // Warm up (JIT, SQLite, first request) before the baseline.
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const before = await rssOf(pid);
    const uploads = [];
    for (let i = 0; i < 40; i++) uploads.push(await stalledUpload(port, `198.18.0.${i + 1}`, 8 * MiB));
    await new Promise((r) => setTimeout(r, 1000));
    const grown = (await rssOf(pid)) - before;
    console.log(`RSS growth with 40 stalled 8 MiB uploads: ${(grown / MiB).toFixed(1)} MiB`);
    expect(grown).toBeLessThan(160 * MiB);
    // The refused ones were answered 503 and closed at once, without the server reading their
    // bodies. The server's close while we still write often arrives as a reset, which discards
    // the 503 before we read it, so a connection the server closed counts as refused too.
    const closedByServer = uploads.map((u) => u.socket.destroyed);
    for (const u of uploads) u.socket.destroy();
    const answers = await Promise.all(uploads.map((u) => u.response));
    expect(answers.filter((a, i) => a.startsWith('HTTP/1.1 503') || closedByServer[i]).length).toBeGreaterThanOrEqual(24);
    expect(answers.filter((a) => a !== '' && !a.startsWith('HTTP/1.1 503'))).toEqual([]);
  });

  it('one address gets only a few uploads in flight at once', async () => {
    const s = await server({ trustProxy: true });
    const uploads = [];
    for (let i = 0; i < 8; i++) uploads.push(await stalledUpload(s.server.port, '203.0.113.77', 64 * 1024));
    await new Promise((r) => setTimeout(r, 300));
    for (const u of uploads) u.socket.end();
    const answers = await Promise.all(uploads.map((u) => u.response));
    expect(answers.filter((a) => a.startsWith('HTTP/1.1 429')).length).toBeGreaterThanOrEqual(4);
    expect(answers.filter((a) => a.includes('too-many-uploads')).length).toBeGreaterThanOrEqual(4);
  });
});

describe('slowloris', () => {
  it('a connection that never finishes its headers is closed after the header timeout', async () => {
    const s = await server({ httpHeadersTimeoutMs: 1000, httpRequestTimeoutMs: 5000 });
    const socket = net.connect(s.server.port, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => {});
    let text = '';
    socket.on('data', (d) => (text += d.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    // The drip never stops and never ends the headers: only the server can end this.
    let drips = 0;
    const drip = setInterval(() => {
      if (!socket.writable) return;
      socket.write('X-A: b\r\n');
      drips++;
    }, 200);
    try {
      await closed;
      // Cut while still dripping (so by the server), and answered with a timeout, not served.
      expect(drips).toBeGreaterThan(0);
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(drip);
    }
  });

  it('a body trickled a byte at a time is cut with 408 and stores nothing', async () => {
    const s = await server({ httpHeadersTimeoutMs: 1000, httpRequestTimeoutMs: 2000, httpBodyIdleTimeoutMs: 1000 });
    const box = newMailbox();
    const socket = net.connect(s.server.port, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => {});
    let text = '';
    socket.on('data', (d) => (text += d.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`POST /api/mailbox/${box.id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${box.token}\r\nContent-Length: 1000\r\n\r\n`);
    const drip = setInterval(() => socket.writable && socket.write('a'), 300);
    try {
      await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000))]);
      expect(text).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(drip);
    }
    expect((await new MailboxClient(s.httpUrl, box).list()).entries).toEqual([]);
  });
});
