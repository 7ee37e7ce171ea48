/**
 * The blind mailbox, `/api/mailbox/:id` (docs/architecture.md §6.3, §7.2; contract in
 * src/core/wire/mailbox.ts), against a real server and real SQLite: round trips with
 * cursors, sequence numbers that never go back, snapshot compaction, TTL, quotas, and
 * hostile input. Every refusal is followed by a check that nothing stored changed.
 */
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MailboxLimits } from '../../../src/core/wire/mailbox.js';
import type { ParleyServerInit } from '../../../signaling/config.js';
import { b64, MailboxClient, newMailbox, type ListedEntry } from '../../helpers/signaling-mailbox.js';
import { restartTestServer, startTestServer, waitUntil, type TestServer, metricsText } from '../../helpers/signaling-server.js';

let t: TestServer | undefined;
/** These cases test the whole mailbox's quota with one writer; writer shares have their own case. */
const ONE_WRITER = { mailboxWriterShare: 1 } as const;

async function server(init: ParleyServerInit = {}): Promise<TestServer> {
  t = await startTestServer(init);
  return t;
}

afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Entry rows on disk, for one mailbox or all. */
const rows = (s: TestServer, mailbox?: string): number =>
  (
    (mailbox === undefined
      ? s.server.db.prepare('SELECT count(*) AS n FROM mailbox_entries').get()
      : s.server.db.prepare('SELECT count(*) AS n FROM mailbox_entries WHERE mailbox = ?').get(mailbox)) as { n: number }
  ).n;

/** Appends `n` entries `entry-1`… and returns what a list must show afterwards. */
async function fill(box: MailboxClient, n: number, prefix = 'entry'): Promise<ListedEntry[]> {
  for (let i = 1; i <= n; i++) expect((await box.append(`${prefix}-${i}`)).status).toBe(201);
  return box.listAll();
}

describe('mailbox round trip', () => {
  it('appends with increasing seq, lists after a cursor page by page with `more`, deletes up to a seq', async () => {
    const s = await server();
    const box = new MailboxClient(s.httpUrl, newMailbox());
    const before = Date.now();
    for (let i = 1; i <= 5; i++) {
      const res = await box.append(`sealed-${i}`);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ seq: i });
    }
    const first = await box.list(0, 2);
    expect(first.entries.map((e) => [e.seq, e.data])).toEqual([[1, b64('sealed-1')], [2, b64('sealed-2')]]);
    expect(first.more).toBe(true);
    expect(first.entries[0]!.at).toBeGreaterThanOrEqual(before);
    expect(first.entries[0]!.at).toBeLessThanOrEqual(Date.now());
    const second = await box.list(2, 2);
    expect(second.entries.map((e) => e.seq)).toEqual([3, 4]);
    expect(second.more).toBe(true);
    const last = await box.list(4, 2);
    expect(last.entries.map((e) => e.seq)).toEqual([5]);
    expect(last.more).toBe(false);
    expect((await box.list(5)).entries).toEqual([]);
    // Defaults: after=0, limit=maxListEntries.
    const all = await box.request<{ entries: ListedEntry[]; more: boolean }>('GET');
    expect(all.body.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all.headers.get('cache-control')).toBe('no-store');

    expect((await box.deleteUpTo(3)).body).toEqual({ deleted: 3 });
    expect((await box.listAll()).map((e) => e.seq)).toEqual([4, 5]);
    expect((await box.deleteUpTo(3)).body).toEqual({ deleted: 0 });
  });

  it('returns binary entries byte for byte', async () => {
    const s = await server();
    const box = new MailboxClient(s.httpUrl, newMailbox());
    const bytes = new Uint8Array(256).map((_, i) => i);
    await box.append(bytes);
    expect(Buffer.from((await box.listAll())[0]!.data, 'base64url')).toEqual(Buffer.from(bytes));
  });

  it('keeps mailboxes apart: another mailbox lists nothing of this one', async () => {
    const s = await server();
    const a = new MailboxClient(s.httpUrl, newMailbox());
    const b = new MailboxClient(s.httpUrl, newMailbox());
    await fill(a, 2);
    expect(await b.listAll()).toEqual([]);
    expect((await b.append('b-1')).body).toEqual({ seq: 1 });
  });

  it('never reuses a seq: not after deleting everything, and not across a restart on the same data', async () => {
    const s = await server();
    const creds = newMailbox();
    const box = new MailboxClient(s.httpUrl, creds);
    await fill(box, 3);
    expect((await box.deleteUpTo(3)).body).toEqual({ deleted: 3 });
    expect((await box.append('after-delete')).body).toEqual({ seq: 4 });

    t = await restartTestServer(s);
    const again = new MailboxClient(t.httpUrl, creds, box.writer);
    expect((await again.listAll()).map((e) => [e.seq, e.data])).toEqual([[4, b64('after-delete')]]);
    expect((await again.deleteUpTo(4)).body).toEqual({ deleted: 1 });
    expect((await again.append('after-restart')).body).toEqual({ seq: 5 });
  });

  it('pages stop at the byte budget but always carry at least one entry', async () => {
    const s = await server({ mailboxMaxPageBytes: 1000 });
    const box = new MailboxClient(s.httpUrl, newMailbox());
    await box.append('x'.repeat(1500));
    await box.append('y'.repeat(600));
    await box.append('z'.repeat(300));
    const first = await box.list(0);
    expect(first.entries.map((e) => e.seq)).toEqual([1]);
    expect(first.more).toBe(true);
    const second = await box.list(1);
    expect(second.entries.map((e) => e.seq)).toEqual([2, 3]);
    expect(second.more).toBe(false);
  });
});

describe('writers (X-Parley-Writer, X-Parley-Writer-Key)', () => {
  it('the token alone deletes nothing; a writer key deletes only the entries its writer appended', async () => {
    const s = await server();
    const creds = newMailbox();
    const alice = new MailboxClient(s.httpUrl, creds);
    const mallory = new MailboxClient(s.httpUrl, creds);
    await fill(alice, 2);
    await mallory.append('mallory-3');
    const tokenOnly = await new MailboxClient(s.httpUrl, creds, null).deleteUpTo(3);
    expect({ status: tokenOnly.status, error: (tokenOnly.body as { error?: string }).error }).toEqual({ status: 400, error: 'bad-request' });
    const forged = await mallory.request('DELETE', '?upTo=3', { headers: { 'X-Parley-Writer-Key': alice.writer!.id } });
    expect(forged.status).toBe(400);
    expect((await mallory.deleteUpTo(3)).body).toEqual({ deleted: 1 });
    expect((await alice.listAll()).map((e) => e.seq)).toEqual([1, 2]);
    expect((await alice.deleteUpTo(3)).body).toEqual({ deleted: 2 });
  });

  it('refuses a malformed writer id before storing anything', async () => {
    const s = await server();
    const box = new MailboxClient(s.httpUrl, newMailbox());
    for (const bad of ['not-hex', 'A'.repeat(64), 'a'.repeat(63)]) expect((await box.append('x', { 'X-Parley-Writer': bad })).status).toBe(400);
    expect(await box.listAll()).toEqual([]);
  });

  it('one writer gets a share of the quota (429 quota), and others still append', async () => {
    const s = await server({ maxMailboxEntries: 8, mailboxWriterShare: 4 });
    const creds = newMailbox();
    const mallory = new MailboxClient(s.httpUrl, creds);
    await fill(mallory, 2);
    const refused = await mallory.append('third');
    expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 429, error: 'quota' });
    expect((await new MailboxClient(s.httpUrl, creds).append('alice')).status).toBe(201);
  });
});

describe('snapshot compaction (X-Parley-Snapshot)', () => {
  it('stores the snapshot and deletes the entries it covers in one step', async () => {
    const s = await server();
    const box = new MailboxClient(s.httpUrl, newMailbox());
    await fill(box, 4);
    const res = await box.append('snapshot-of-1-3', { 'X-Parley-Snapshot': '3' });
    expect(res).toMatchObject({ status: 201, body: { seq: 5 } });
    expect((await box.listAll()).map((e) => [e.seq, e.data])).toEqual([[4, b64('entry-4')], [5, b64('snapshot-of-1-3')]]);
  });

  it('refuses a snapshot covering entries that were never appended (400), changing nothing', async () => {
    const s = await server();
    const box = new MailboxClient(s.httpUrl, newMailbox());
    const stored = await fill(box, 2);
    const res = await box.append('bogus', { 'X-Parley-Snapshot': '3' });
    expect(res).toMatchObject({ status: 400, body: { error: 'bad-request' } });
    expect(await box.listAll()).toEqual(stored);
    expect((await box.append('next')).body).toEqual({ seq: 3 });
  });

  it('lets a full mailbox compact: the covered entries no longer count against the quota', async () => {
    const s = await server({ maxMailboxEntries: 3, ...ONE_WRITER });
    const box = new MailboxClient(s.httpUrl, newMailbox());
    await fill(box, 3);
    expect((await box.append('one too many')).status).toBe(429);
    expect((await box.append('snapshot', { 'X-Parley-Snapshot': '3' })).body).toEqual({ seq: 4 });
    expect((await box.listAll()).map((e) => e.seq)).toEqual([4]);
  });
});

describe('TTL', () => {
  it('never returns an entry older than the TTL, even before the purge has run', async () => {
    const s = await server({ mailboxTtlMs: 150, mailboxPurgeIntervalMs: 3_600_000 });
    const box = new MailboxClient(s.httpUrl, newMailbox());
    await box.append('short-lived');
    expect((await box.listAll()).length).toBe(1);
    await waitUntil(async () => (await box.listAll()).length === 0, 'the entry to expire');
    expect(rows(s)).toBe(1); // still on disk: hidden by the read, not yet purged
  });

  it('purges expired entries periodically, frees their quota, and keeps counting seq', async () => {
    const s = await server({ mailboxTtlMs: 150, mailboxPurgeIntervalMs: 40, maxMailboxEntries: 2, ...ONE_WRITER });
    const box = new MailboxClient(s.httpUrl, newMailbox());
    await fill(box, 2);
    await waitUntil(() => rows(s) === 0, 'the purge to remove expired rows');
    expect(s.server.deliveryMetrics.mailboxPurged).toBe(2);
    expect((await box.append('fresh-1')).body).toEqual({ seq: 3 });
    expect((await box.append('fresh-2')).body).toEqual({ seq: 4 });
    // The purged entries are gone for good (the fresh ones may expire too on a stalled machine:
    // their TTL is 150 ms here, so only the old ones' absence is asserted).
    expect((await box.listAll()).filter((e) => e.seq <= 2)).toEqual([]);
  });
});

describe('quota (429)', () => {
  it('by bytes: a flood past the byte quota is refused and earlier entries stay intact', async () => {
    const s = await server({ maxMailboxBytes: 1000, maxEntryBytes: 400, ...ONE_WRITER });
    const box = new MailboxClient(s.httpUrl, newMailbox());
    expect((await box.append('a'.repeat(400))).status).toBe(201);
    expect((await box.append('b'.repeat(400))).status).toBe(201);
    const stored = await box.listAll();
    for (let i = 0; i < 5; i++) {
      const res = await box.append('c'.repeat(300));
      expect(res.status).toBe(429);
      expect(res.body.error).toBe('quota');
      expect(res.body.detail).toMatch(/1000 bytes/);
    }
    // Something small still fits.
    expect((await box.append('d'.repeat(200))).body).toEqual({ seq: 3 });
    expect((await box.listAll()).slice(0, 2)).toEqual(stored);
  });

  it('by entries: a flood of appends is cut at the quota, concurrently too, keeping the first ones', async () => {
    const s = await server({ maxMailboxEntries: 5, ...ONE_WRITER });
    const box = new MailboxClient(s.httpUrl, newMailbox());
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => box.append(`flood-${i}`)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429).every((r) => r.body.error === 'quota')).toBe(true);
    const stored = await box.listAll();
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    // Each acknowledged seq holds the data of the request that got it.
    for (const r of results.filter((x) => x.status === 201)) expect(stored.find((e) => e.seq === r.body.seq)).toBeDefined();
    expect(s.server.deliveryMetrics.mailboxRefusals.get(429)).toBe(15);
  });
});

/** Raw request to see exactly what the server does with a body that never ends. */
function streamUpload(url: string, token: string, total: number): Promise<{ status: number; body: string; writtenAtResponse: number }> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, 7);
    let written = 0;
    let done = false;
    // No Content-Length: chunked, so only the streamed cap can stop it.
    const req = http.request(url, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' } });
    req.on('response', (res) => {
      const writtenAtResponse = written;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        done = true;
        resolve({ status: res.statusCode ?? 0, body, writtenAtResponse });
      });
    });
    req.on('error', (err) => {
      if (!done) reject(err);
    });
    const pump = (): void => {
      while (!done && written < total) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!done) req.end();
    };
    pump();
  });
}

describe('hostile input changes nothing stored', () => {
  /** One server for the cases that need no special limits; each case gets a fresh mailbox. */
  let shared: TestServer;
  let box: MailboxClient;
  let stored: ListedEntry[];

  beforeAll(async () => {
    shared = await startTestServer();
  });
  afterAll(async () => {
    await shared.close();
  });

  async function seeded(init?: ParleyServerInit): Promise<TestServer> {
    const s = init === undefined ? shared : await server(init);
    box = new MailboxClient(s.httpUrl, newMailbox());
    stored = await fill(box, 2, 'kept');
    return s;
  }

  async function expectUnchanged(s: TestServer): Promise<void> {
    expect(await box.listAll()).toEqual(stored);
    expect(rows(s, box.box.id)).toBe(stored.length);
  }

  it('no token → 401 with WWW-Authenticate, for every method', async () => {
    const s = await seeded();
    for (const [method, query] of [['GET', ''], ['POST', ''], ['DELETE', '?upTo=3']] as const) {
      const res = await fetch(`${box.url}${query}`, { method, ...(method === 'POST' ? { body: 'x' } : {}) });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.json()).toMatchObject({ error: 'unauthorized' });
    }
    await expectUnchanged(s);
  });

  it.each([['Basic dXNlcjpwYXNz'], ['Bearer'], ['Bearer not-a-token'], [`Bearer ${'A'.repeat(44)}`], ['Bearer a b']])('a malformed Authorization (%s) → 401', async (authorization) => {
    const s = await seeded();
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await box.request(method, method === 'DELETE' ? '?upTo=3' : '', { ...(method === 'POST' ? { body: 'x' } : {}), headers: { Authorization: authorization } });
      expect(res.status).toBe(401);
    }
    await expectUnchanged(s);
  });

  it("another mailbox's token → 403 for append, list and delete", async () => {
    const s = await seeded();
    const other = newMailbox();
    const auth = { Authorization: `Bearer ${other.token}` };
    expect(await box.request('POST', '', { body: 'intruder', headers: auth })).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect((await box.request('GET', '', { headers: auth })).status).toBe(403);
    expect((await box.request('DELETE', '?upTo=100', { headers: auth })).status).toBe(403);
    await expectUnchanged(s);
  });

  it.each([
    ['upper-case hex', (id: string) => id.toUpperCase()],
    ['63 characters', (id: string) => id.slice(1)],
    ['65 characters', (id: string) => `${id}0`],
    ['not hex', (id: string) => `${id.slice(1)}g`],
    ['an extra segment', (id: string) => `${id}/x`],
    ['empty', () => ''],
  ])('a malformed mailbox id (%s) → 400', async (_name, mangle) => {
    const s = await seeded();
    const res = await fetch(`${s.httpUrl}/api/mailbox/${mangle(box.box.id)}`, { headers: { Authorization: `Bearer ${box.box.token}` } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'bad-request' });
    await expectUnchanged(s);
  });

  it.each([
    ['GET', '?after=-1'],
    ['GET', '?after=1.5'],
    ['GET', '?after=1e3'],
    ['GET', '?after=abc'],
    ['GET', '?after=01'],
    ['GET', '?after=99999999999999999'],
    ['GET', '?after=1&after=2'],
    ['GET', '?limit=0'],
    ['GET', `?limit=${MailboxLimits.maxListEntries + 1}`],
    ['GET', '?limit=ten'],
    ['DELETE', ''],
    ['DELETE', '?upTo=-1'],
    ['DELETE', '?upTo=2.5'],
    ['DELETE', '?upTo=1&upTo=3'],
  ])('%s with a malformed cursor or limit (%s) → 400', async (method, query) => {
    const s = await seeded();
    const res = await box.request(method, query);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'bad-request' });
    expect(String(res.body.detail)).not.toContain('abc');
    await expectUnchanged(s);
  });

  it.each([
    ['X-Parley-Snapshot', 'abc'],
    ['X-Parley-Snapshot', '-1'],
    ['X-Parley-Snapshot', '2.0'],
    ['X-Parley-Exclude', 'abc'],
    ['X-Parley-Exclude', 'A'.repeat(64)],
  ])('a malformed %s header (%s) → 400', async (header, value) => {
    const s = await seeded();
    expect((await box.append('x', { [header]: value })).status).toBe(400);
    await expectUnchanged(s);
  });

  it('an empty entry → 400', async () => {
    const s = await seeded();
    expect((await box.append('')).status).toBe(400);
    await expectUnchanged(s);
  });

  it.each(['PUT', 'PATCH', 'HEAD', 'OPTIONS'])('%s → 405 with Allow', async (method) => {
    const s = await seeded();
    const res = await box.request(method, '', method === 'PUT' || method === 'PATCH' ? { body: 'x' } : {});
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST, DELETE');
    await expectUnchanged(s);
  });

  it('an entry over the size cap → 413', async () => {
    const s = await seeded({ maxEntryBytes: 1024 });
    expect((await box.append('x'.repeat(1024))).status).toBe(201);
    stored = await box.listAll();
    const res = await box.append('x'.repeat(1025));
    // The detail is shown to people: it names what was too large and the cap in their units.
    expect(res).toMatchObject({ status: 413, body: { error: 'too-large', detail: 'the entry is larger than the server takes (at most 1 KiB)' } });
    await expectUnchanged(s);
  });

  it('a 20 MB streamed upload is cut with 413 as soon as it passes the cap, long before it is sent', async () => {
    const s = await seeded({ maxEntryBytes: 64 * 1024 });
    const total = 20 * 1024 * 1024;
    const res = await streamUpload(box.url, box.box.token, total);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'too-large', detail: 'the entry is larger than the server takes (at most 64 KiB)' });
    // The answer came while the client was still sending: what it had written by then is
    // what the socket buffers absorbed, far from the 20 MB it meant to send.
    expect(res.writtenAtResponse).toBeLessThan(total / 2);
    await expectUnchanged(s);
    expect(s.server.deliveryMetrics.mailboxRefusals.get(413)).toBe(1);
  });

  it('a declared Content-Length over the cap → 413 before a byte of the body is read', async () => {
    const s = await seeded({ maxEntryBytes: 64 * 1024 });
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(box.url, { method: 'POST', headers: { Authorization: `Bearer ${box.box.token}`, 'Content-Length': String(20 * 1024 * 1024) } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders(); // headers only: the server must answer without waiting for the body
    });
    expect(status).toBe(413);
    await expectUnchanged(s);
  });

  it('a client that disconnects mid-upload stores nothing and the server keeps serving', async () => {
    const s = await seeded();
    await new Promise<void>((resolve) => {
      const req = http.request(box.url, { method: 'POST', headers: { Authorization: `Bearer ${box.box.token}`, 'Content-Length': '1000' } });
      req.on('error', () => resolve());
      req.write('x'.repeat(500), () => {
        req.destroy();
        resolve();
      });
    });
    await expectUnchanged(s);
    expect((await box.append('still works')).body).toEqual({ seq: 3 });
  });
});

describe('metrics', () => {
  it('counts appends and appended bytes on /metrics, without any mailbox id', async () => {
    const s = await server();
    const creds = newMailbox();
    const box = new MailboxClient(s.httpUrl, creds);
    await box.append('12345');
    await box.append('678');
    const text = await metricsText(s.httpUrl);
    expect(text).toContain('parley_mailbox_appends_total 2\n');
    expect(text).toContain('parley_mailbox_append_bytes_total 8\n');
    expect(text).not.toContain(creds.id);
  });
});
