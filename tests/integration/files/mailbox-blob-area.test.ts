/**
 * The mailbox's blob area, `/api/mailbox/:id/blobs/:blob/:piece` (docs/protocol.md §5.1,
 * docs/architecture.md §14.6), against the real server and real SQLite: round trips, the
 * first write winning, bad input, the per-file and per-mailbox quotas, the server-wide cap,
 * the per-address rate, and the TTL. Every refusal is followed by a check that nothing stored
 * changed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ParleyServerInit } from '../../../signaling/config.js';
import { blobBytesFor } from '../../../src/core/wire/mailbox-blobs.js';
import { newMailbox, type MailboxCredentials } from '../../helpers/signaling-mailbox.js';
import { startTestServer, waitUntil, type TestServer } from '../../helpers/signaling-server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function server(init: ParleyServerInit = {}): Promise<TestServer> {
  t = await startTestServer(init);
  return t;
}

const MiB = 1024 * 1024;
const blobId = (): string => randomBytes(32).toString('hex');

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: { stored?: boolean; error?: string; detail?: string };
  readonly bytes: Buffer;
}

/** One request against a piece; the token is the mailbox's unless `token` overrides it. */
async function piece(s: TestServer, box: MailboxCredentials, blob: string, name: string, init: { method?: string; body?: Uint8Array; token?: string | null } = {}): Promise<Answer> {
  const token = init.token === undefined ? box.token : init.token;
  const res = await fetch(`${s.httpUrl}/api/mailbox/${box.id}/blobs/${blob}/${name}`, {
    method: init.method ?? (init.body ? 'PUT' : 'GET'),
    headers: { ...(token === null ? {} : { Authorization: `Bearer ${token}` }), 'Content-Type': 'application/octet-stream' },
    ...(init.body ? { body: init.body as Uint8Array<ArrayBuffer> } : {}),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const json = res.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(bytes.toString()) as Answer['json']) : {};
  return { status: res.status, headers: res.headers, json, bytes };
}

/** Piece rows on disk. */
const rows = (s: TestServer): number => (s.server.db.prepare('SELECT count(*) AS n FROM mailbox_blobs').get() as { n: number }).n;

describe('mailbox blob area', () => {
  it('stores pieces and returns them byte for byte; the first write of a piece wins; absent pieces are 404', async () => {
    const s = await server();
    const box = newMailbox();
    const blob = blobId();
    const hashes = randomBytes(96);
    const chunk = randomBytes(65_552);
    expect(await piece(s, box, blob, 'h', { body: hashes })).toMatchObject({ status: 201, json: { stored: true } });
    expect(await piece(s, box, blob, '0', { body: chunk })).toMatchObject({ status: 201, json: { stored: true } });
    expect((await piece(s, box, blob, 'h')).bytes.equals(hashes)).toBe(true);
    const got = await piece(s, box, blob, '0');
    expect(got.status).toBe(200);
    expect(got.headers.get('cache-control')).toBe('no-store');
    expect(got.bytes.equals(chunk)).toBe(true);
    // Another member writing the same piece changes nothing: readers check pieces against the
    // root, and nobody can replace what was stored.
    expect(await piece(s, box, blob, '0', { body: randomBytes(100) })).toMatchObject({ status: 200, json: { stored: false } });
    expect((await piece(s, box, blob, '0')).bytes.equals(chunk)).toBe(true);
    expect(await piece(s, box, blob, '1')).toMatchObject({ status: 404, json: { error: 'not-found' } });
    expect(await piece(s, box, blobId(), '0')).toMatchObject({ status: 404 });
    // Another mailbox sees nothing of this one.
    const other = newMailbox();
    expect((await piece(s, other, blob, '0')).status).toBe(404);
    // /api/config says how large a file the mailbox keeps.
    const config = (await (await fetch(`${s.httpUrl}/api/config`)).json()) as { mailboxMaxFileBytes: number };
    expect(config.mailboxMaxFileBytes).toBe(25 * MiB);
  });

  it('deletes a file’s pieces only for the writer who stored them, and refuses bad deletes without changing anything', async () => {
    const s = await server();
    const box = newMailbox();
    const blob = blobId();
    const other = blobId();
    const writerKey = Buffer.from(randomBytes(32)).toString('base64url');
    const writer = createHash('sha256').update(Buffer.from(writerKey, 'base64url')).digest('hex');
    const put = (b: string, name: string, headers: Record<string, string>) =>
      fetch(`${s.httpUrl}/api/mailbox/${box.id}/blobs/${b}/${name}`, { method: 'PUT', headers: { Authorization: `Bearer ${box.token}`, ...headers }, body: randomBytes(100) });
    for (const name of ['h', '0', '1']) expect((await put(blob, name, { 'X-Parley-Writer': writer })).status).toBe(201);
    // Another writer's piece of the same file, one with no writer, and this writer's piece of another file.
    const someoneElse = createHash('sha256').update('another key').digest('hex');
    expect((await put(blob, '2', { 'X-Parley-Writer': someoneElse })).status).toBe(201);
    expect((await put(blob, '3', {})).status).toBe(201);
    expect((await put(other, '0', { 'X-Parley-Writer': writer })).status).toBe(201);
    expect((await put(blob, '4', { 'X-Parley-Writer': 'NOT HEX' })).status).toBe(400);
    expect(rows(s)).toBe(6);
    const del = async (init: { key?: string; token?: string | null; method?: string; b?: string }) => {
      const token = init.token === undefined ? box.token : init.token;
      const res = await fetch(`${s.httpUrl}/api/mailbox/${box.id}/blobs/${init.b ?? blob}`, {
        method: init.method ?? 'DELETE',
        headers: { ...(token === null ? {} : { Authorization: `Bearer ${token}` }), ...(init.key ? { 'X-Parley-Writer-Key': init.key } : {}) },
      });
      return { status: res.status, json: (await res.json()) as { deleted?: number; error?: string } };
    };
    expect(await del({})).toMatchObject({ status: 400, json: { error: 'bad-request' } });
    expect(await del({ key: 'short' })).toMatchObject({ status: 400, json: { error: 'bad-request' } });
    expect(await del({ key: writerKey, token: null })).toMatchObject({ status: 401, json: { error: 'unauthorized' } });
    expect(await del({ key: writerKey, token: newMailbox().token })).toMatchObject({ status: 403, json: { error: 'forbidden' } });
    expect(await del({ key: writerKey, method: 'GET' })).toMatchObject({ status: 405, json: { error: 'method-not-allowed' } });
    expect(rows(s)).toBe(6);
    // Someone else's key deletes nothing of this writer's.
    expect(await del({ key: Buffer.from(randomBytes(32)).toString('base64url') })).toEqual({ status: 200, json: { deleted: 0 } });
    expect(await del({ key: writerKey })).toEqual({ status: 200, json: { deleted: 3 } });
    for (const name of ['h', '0', '1']) expect((await piece(s, box, blob, name)).status).toBe(404);
    for (const name of ['2', '3']) expect((await piece(s, box, blob, name)).status).toBe(200);
    expect((await piece(s, box, other, '0')).status).toBe(200);
    expect(rows(s)).toBe(3);
    // Idempotent: again, nothing left of that writer.
    expect(await del({ key: writerKey })).toEqual({ status: 200, json: { deleted: 0 } });
  });

  it('refuses bad paths, methods, tokens and bodies, and stores nothing for them', async () => {
    const s = await server();
    const box = newMailbox();
    const blob = blobId();
    await piece(s, box, blob, '0', { body: randomBytes(10) });
    const refusals: Array<[Promise<Answer>, number, string]> = [
      [piece(s, box, blob, 'x', { body: randomBytes(10) }), 400, 'bad-request'],
      [piece(s, box, blob, '01', { body: randomBytes(10) }), 400, 'bad-request'],
      [piece(s, box, blob, '65536', { body: randomBytes(10) }), 400, 'bad-request'],
      [piece(s, box, 'AB'.repeat(32), '0', { body: randomBytes(10) }), 400, 'bad-request'],
      [piece(s, box, blob.slice(2), '0', { body: randomBytes(10) }), 400, 'bad-request'],
      [piece(s, box, blob, '1', { body: new Uint8Array(0), method: 'PUT' }), 400, 'bad-request'],
      [piece(s, box, blob, '1', { method: 'DELETE' }), 405, 'method-not-allowed'],
      [piece(s, box, blob, '1', { method: 'POST', body: randomBytes(10) }), 405, 'method-not-allowed'],
      [piece(s, box, blob, '1', { body: randomBytes(10), token: null }), 401, 'unauthorized'],
      [piece(s, box, blob, '0', { token: null }), 401, 'unauthorized'],
      [piece(s, box, blob, '1', { body: randomBytes(10), token: 'not a token' }), 401, 'unauthorized'],
      // A token of another mailbox (as a removed member holds: the old epoch's) opens nothing here.
      [piece(s, box, blob, '0', { token: newMailbox().token }), 403, 'forbidden'],
      [piece(s, box, blob, '1', { body: randomBytes(10), token: newMailbox().token }), 403, 'forbidden'],
      // Over the per-piece cap, declared: refused before a byte is read.
      [piece(s, box, blob, '2', { body: randomBytes(2.5 * MiB) }), 413, 'too-large'],
    ];
    for (const [answer, status, error] of refusals) expect(await answer).toMatchObject({ status, json: { error } });
    // Said as the entries' 413 says it, in MiB: apps show the detail to people.
    expect((await piece(s, box, blob, '2', { body: randomBytes(2.5 * MiB) })).json).toEqual({ error: 'too-large', detail: 'the piece of a file is larger than the server takes (at most 2.3 MiB)' });
    expect(rows(s)).toBe(1);
    expect((await piece(s, box, blob, '1')).status).toBe(404);
  });

  it('a streamed body over the piece cap is cut with 413 and nothing is stored', async () => {
    const s = await server();
    const box = newMailbox();
    const big = randomBytes(2.5 * MiB);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < big.length; i += 64 * 1024) controller.enqueue(big.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });
    const res = await fetch(`${s.httpUrl}/api/mailbox/${box.id}/blobs/${blobId()}/0`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${box.token}` },
      body,
      duplex: 'half',
    } as RequestInit).catch(() => null);
    // Either the answer arrived (413) or the server closed the connection mid-upload.
    if (res) expect(res.status).toBe(413);
    expect(rows(s)).toBe(0);
  });

  it('keeps each file within the per-file cap and each mailbox within its quota, apart from other mailboxes', async () => {
    // Files of up to 64 KiB; each blob may hold that plus room for its hash list (about 2.6 MiB).
    const perBlob = blobBytesFor(64 * 1024);
    const s = await server({ mailboxMaxFileBytes: 64 * 1024, mailboxBlobMaxBytes: 4 * MiB });
    const box = newMailbox();
    const a = blobId();
    const MiBPiece = (): Buffer => randomBytes(MiB);
    expect((await piece(s, box, a, '0', { body: MiBPiece() })).status).toBe(201);
    expect((await piece(s, box, a, '1', { body: MiBPiece() })).status).toBe(201);
    const overFile = await piece(s, box, a, '2', { body: MiBPiece() });
    expect(overFile.status).toBe(429);
    expect(overFile.json).toMatchObject({ error: 'quota' });
    expect(overFile.json.detail).toContain(`a file in the mailbox may take at most ${Math.round((perBlob / MiB) * 10) / 10} MiB`);
    const b = blobId();
    expect((await piece(s, box, b, '0', { body: MiBPiece() })).status).toBe(201);
    expect((await piece(s, box, b, '1', { body: MiBPiece() })).status).toBe(201);
    const overBox = await piece(s, box, b, '2', { body: randomBytes(1000) });
    expect(overBox.status).toBe(429);
    expect(overBox.json.detail).toBe("the mailbox's space for files is full (4 MiB per conversation)");
    expect(rows(s)).toBe(4);
    // Another mailbox has its own quota.
    expect((await piece(s, newMailbox(), b, '0', { body: MiBPiece() })).status).toBe(201);
  });

  it('refuses with 507 past the server-wide cap, and with 429 and Retry-After past the per-address rate', async () => {
    const capped = await server({ mailboxBlobMaxTotalBytes: 2 * MiB });
    expect((await piece(capped, newMailbox(), blobId(), '0', { body: randomBytes(1.5 * MiB) })).status).toBe(201);
    const full = await piece(capped, newMailbox(), blobId(), '0', { body: randomBytes(MiB) });
    expect(full).toMatchObject({ status: 507, json: { error: 'storage-full', detail: 'the server has no room for more files in mailboxes now' } });
    expect(rows(capped)).toBe(1);
    await capped.close();

    const rated = await server({ mailboxBlobBurstBytes: 30 * MiB, mailboxBlobBytesPerSecond: 1 });
    const box = newMailbox();
    const blob = blobId();
    const answers: number[] = [];
    // Pieces of several files, so the per-file cap is not what refuses.
    for (let i = 0; i < 31; i++) answers.push((await piece(rated, box, i < 30 ? blobId() : blob, '0', { body: randomBytes(MiB) })).status);
    expect(answers.slice(0, 30).every((s) => s === 201)).toBe(true);
    expect(answers[30]).toBe(429);
    const limited = await piece(rated, box, blob, '40', { body: randomBytes(10) });
    expect(limited.json.error).toBe('rate-limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(rows(rated)).toBe(30);
  });

  it('never returns a piece past its TTL, purges it, and then takes it again', async () => {
    const s = await server({ mailboxBlobTtlMs: 150, mailboxPurgeIntervalMs: 40 });
    const box = newMailbox();
    const blob = blobId();
    expect((await piece(s, box, blob, '0', { body: randomBytes(1000) })).status).toBe(201);
    await waitUntil(async () => (await piece(s, box, blob, '0')).status === 404, 'the piece to expire');
    await waitUntil(() => rows(s) === 0, 'the purge to remove the expired piece');
    const again = randomBytes(500);
    expect((await piece(s, box, blob, '0', { body: again })).status).toBe(201);
  });
});
