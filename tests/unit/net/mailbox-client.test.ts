/**
 * MailboxClient against a real HTTP server on port 0 that is slow to answer or never does
 * (src/net/mailbox-client.ts): a request nothing answers fails as offline after its
 * allowance, so callers retry, rather than waiting for ever; an answer within the allowance,
 * which grows with the bytes sent, is taken.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MailboxClient, MailboxError } from '../../../src/net/mailbox-client.js';

const MAILBOX = 'a'.repeat(64);
let server: Server | null = null;

/** A server that reads each request whole, then answers after `delayMs` (never when null). */
async function serve(delayMs: number | null): Promise<string> {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      if (delayMs === null) return;
      setTimeout(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ seq: 7, entries: [], more: false })), delayMs);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = null;
});

describe('MailboxClient: waiting for an answer', () => {
  it('a request nothing answers fails as offline once its allowance is over, not never', async () => {
    const client = new MailboxClient(await serve(null), undefined, 300);
    const started = Date.now();
    const error = await client.list(MAILBOX, 'token', 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxError);
    expect((error as MailboxError).offline).toBe(true);
    expect((error as MailboxError).transient).toBe(true);
    expect((error as MailboxError).message).toBe('the mailbox did not answer in time');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('an answer within the allowance is taken, and the allowance grows with the bytes sent', async () => {
    // 600 ms is past the 300 ms a bodiless request waits, within 300 ms + 32 KiB at 16 KiB/s.
    const client = new MailboxClient(await serve(600), undefined, 300);
    await expect(client.append(MAILBOX, 'token', new Uint8Array(32 * 1024))).resolves.toBe(7);
    const error = await client.list(MAILBOX, 'token', 0).catch((e: unknown) => e);
    expect((error as MailboxError).offline).toBe(true);
  });
});
