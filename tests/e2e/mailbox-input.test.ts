/**
 * Mailbox bad input, sent from a real page of the app's origin (docs/architecture.md §6.3): wrong or missing
 * tokens, an oversized body, malformed cursors and a flood over the quota all get clear
 * 4xx answers, and nothing stored is lost or changed.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailboxIdOf } from '../../src/core/wire/mailbox.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { launchChromium } from '../helpers/browser.js';

let browser: Browser;
let app: AppServer;
let page: Page;

const QUOTA_ENTRIES = 6;
const MAX_ENTRY = 32 * 1024;

beforeAll(async () => {
  browser = await launchChromium();
  // Writer shares off: these raw requests name no writer, and the whole-mailbox quota is
  // what is tested here (writer shares: tests/integration/malicious/mailbox-wipe.test.ts).
  app = await startAppServer({ maxMailboxEntries: QUOTA_ENTRIES, maxEntryBytes: MAX_ENTRY, mailboxWriterShare: 1 });
  page = await (await browser.newContext()).newPage();
  await page.goto(`${app.url}/healthz`);
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const newToken = (): { token: string; id: string } => {
  const token = randomBytes(32).toString('base64url');
  return { token, id: mailboxIdOf(token)! };
};

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, options: { token?: string; bytes?: number; fill?: number } = {}): Promise<Answer> {
  return page.evaluate(
    async ({ method, path, token, bytes, fill }) => {
      const headers: Record<string, string> = {};
      if (token) headers.Authorization = `Bearer ${token}`;
      let body: Uint8Array | undefined;
      if (bytes !== undefined) {
        headers['Content-Type'] = 'application/octet-stream';
        body = new Uint8Array(bytes).fill(fill ?? 7);
      }
      const res = await fetch(path, { method, headers, body: body as Uint8Array<ArrayBuffer> | undefined });
      const text = await res.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { text };
      }
      return { status: res.status, body: parsed };
    },
    { method, path, ...options },
  );
}

async function stored(id: string, token: string): Promise<Array<{ seq: number; data: string }>> {
  const answer = await call('GET', `/api/mailbox/${id}?after=0&limit=500`, { token });
  expect(answer.status).toBe(200);
  return (answer.body.entries as Array<{ seq: number; data: string }>).map(({ seq, data }) => ({ seq, data }));
}

describe('mailbox bad input', () => {
  it('refuses wrong and missing tokens, oversized bodies and malformed cursors, changing nothing', async () => {
    const { token, id } = newToken();
    const other = newToken();
    for (let i = 1; i <= 3; i++) expect((await call('POST', `/api/mailbox/${id}`, { token, bytes: 100, fill: i })).status).toBe(201);
    const before = await stored(id, token);
    expect(before.map((e) => e.seq)).toEqual([1, 2, 3]);

    const cases: Array<[string, Promise<Answer>, number]> = [
      ['read with another mailbox token', call('GET', `/api/mailbox/${id}?after=0`, { token: other.token }), 403],
      ['read without a token', call('GET', `/api/mailbox/${id}?after=0`), 401],
      ['append with another token', call('POST', `/api/mailbox/${id}`, { token: other.token, bytes: 10 }), 403],
      ['delete with another token', call('DELETE', `/api/mailbox/${id}?upTo=3`, { token: other.token }), 403],
      ['append over the entry size cap', call('POST', `/api/mailbox/${id}`, { token, bytes: MAX_ENTRY + 1 }), 413],
      ['cursor that is not a number', call('GET', `/api/mailbox/${id}?after=abc`, { token }), 400],
      ['negative cursor', call('GET', `/api/mailbox/${id}?after=-1`, { token }), 400],
      ['limit out of range', call('GET', `/api/mailbox/${id}?after=0&limit=100000`, { token }), 400],
      ['delete with the token but no writer key', call('DELETE', `/api/mailbox/${id}?upTo=3`, { token }), 400],
      ['delete cursor that is not a number', call('DELETE', `/api/mailbox/${id}?upTo=1e999`, { token }), 400],
      ['malformed mailbox id', call('GET', `/api/mailbox/not-an-id?after=0`, { token }), 400],
    ];
    for (const [what, answer, status] of cases) {
      const got = await answer;
      expect(got.status, what).toBe(status);
      expect(typeof got.body.error, `${what}: JSON error`).toBe('string');
    }
    expect(await stored(id, token)).toEqual(before);
  });

  it('a flood over the quota gets 429 and the earlier entries stay intact', async () => {
    const { token, id } = newToken();
    const statuses: number[] = [];
    for (let i = 0; i < QUOTA_ENTRIES + 4; i++) statuses.push((await call('POST', `/api/mailbox/${id}`, { token, bytes: 64, fill: i })).status);
    expect(statuses.slice(0, QUOTA_ENTRIES)).toEqual(Array(QUOTA_ENTRIES).fill(201));
    expect(statuses.slice(QUOTA_ENTRIES)).toEqual(Array(4).fill(429));
    const after = await stored(id, token);
    expect(after.map((e) => e.seq)).toEqual(Array.from({ length: QUOTA_ENTRIES }, (_, i) => i + 1));
    const last = await call('POST', `/api/mailbox/${id}`, { token, bytes: 64 });
    expect(last.body.error).toBe('quota');
  });
});
