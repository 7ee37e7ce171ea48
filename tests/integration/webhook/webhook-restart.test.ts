/**
 * Outgoing webhook deliveries survive a restart (docs/architecture.md §12): the webhook
 * server keeps them in a SQLite file, so what a receiver did not take before the bot and
 * its webhook server stopped is posted after they start again on the same profile — signed,
 * with the same delivery id — and a delivery's attempts are kept, not reset. Real parts:
 * the real server on port 0, bots over WebRTC, the bot on a SQLite profile, a real HTTP
 * receiver on port 0 that is down (503) and then up.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyBot } from '../../../src/bot/index.js';
import { localOps } from '../../../src/bot/control-server.js';
import { silentLogger } from '../../../src/core/logger.js';
import { parseWebhookConfig } from '../../../src/webhook/config.js';
import { SqliteDeliveryQueue } from '../../../src/webhook/delivery-queue.js';
import { SIGNATURE_HEADER, type DeliveryOutcome } from '../../../src/webhook/outgoing.js';
import { WebhookServer } from '../../../src/webhook/webhook-server.js';
import { startTestServer, waitUntil, type TestServer } from '../../helpers/signaling-server.js';

const SECRET = 'outgoing-secret-0123456789abcdef';
let server: TestServer;
let dir: string;
let receiver: Server;
let up = false;
const posts: Array<{ body: string; valid: boolean; delivery: string; up: boolean }> = [];

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(path.join(tmpdir(), 'parley-webhook-restart-'));
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
      const given = Buffer.from(String(req.headers[SIGNATURE_HEADER.toLowerCase()] ?? ''));
      const valid = given.length === expected.length && timingSafeEqual(given, expected);
      posts.push({ body, valid, delivery: String(req.headers['x-parley-delivery']), up });
      res.writeHead(up ? 204 : 503).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
});

afterAll(async () => {
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('outgoing webhook queue', () => {
  it('delivers after a restart what the receiver did not take before it, signed, with the same delivery id', async () => {
    const profile = path.join(dir, 'hooked');
    const queueFile = path.join(dir, 'webhooks.db');
    const member = await ParleyBot.start({ memory: true, server: server.httpUrl, name: 'Dana', logger: silentLogger });
    let hooked = await ParleyBot.start({ profile, server: server.httpUrl, name: 'CI', logger: silentLogger, control: false });
    let hooks: WebhookServer | null = null;
    try {
      const made = await member.create('Deploys');
      await hooked.join(made.invite, { timeoutMs: 20_000 });
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/parley`;
      const config = parseWebhookConfig({ port: 0, outgoing: [{ url, secret: SECRET, conversations: [made.id], events: ['message'] }] });
      const tuning = { retries: 30, baseDelayMs: 100 };
      hooks = new WebhookServer({ config, ops: localOps(hooked), logger: silentLogger, outgoing: tuning, queueFile });
      await hooks.start();

      // The receiver is down: the delivery is retried, and still waiting when everything stops.
      await member.send(made.id, 'Deploy 7 finished');
      await waitUntil(() => posts.length >= 3, 'three attempts at the receiver that is down', 30_000);
      expect(hooks.outgoing[0]!.pending).toBe(1);
      await hooks.close();
      hooks = null;
      await hooked.stop();
      const attemptsSoFar = posts.length;
      const stored = new SqliteDeliveryQueue(queueFile);
      const waiting = stored.next(url);
      stored.close();
      expect(waiting?.attempts).toBeGreaterThanOrEqual(attemptsSoFar - 1);
      expect(JSON.parse(waiting!.body)).toMatchObject({ type: 'message', text: 'Deploy 7 finished' });

      // Back up; the bot and its webhook server start again on the same profile and file.
      up = true;
      hooked = await ParleyBot.start({ profile, server: server.httpUrl, logger: silentLogger, control: false });
      hooks = new WebhookServer({ config, ops: localOps(hooked), logger: silentLogger, outgoing: tuning, queueFile });
      const outcomes: Array<[string, DeliveryOutcome, number]> = [];
      hooks.outgoing[0]!.on('settled', (event, outcome, status) => void outcomes.push([event.text ?? '', outcome, status]));
      await hooks.start();
      await waitUntil(() => outcomes.length > 0, 'the pending delivery to settle', 30_000);
      expect(outcomes).toEqual([['Deploy 7 finished', 'delivered', 204]]);
      const accepted = posts.filter((p) => p.up);
      expect(accepted).toHaveLength(1);
      expect(accepted[0]!.valid).toBe(true);
      // The same delivery id and body as every attempt before the restart.
      expect(new Set(posts.map((p) => p.delivery)).size).toBe(1);
      expect(new Set(posts.map((p) => p.body)).size).toBe(1);
      expect(hooks.outgoing[0]!.pending).toBe(0);

      // New events after the restart go out too, and nothing is posted twice.
      await member.send(made.id, 'Deploy 8 finished');
      await waitUntil(() => outcomes.length > 1, 'the new delivery', 30_000);
      expect(outcomes[1]).toEqual(['Deploy 8 finished', 'delivered', 204]);
      // Not a pause: deliveries go one at a time, in order, so a third event's delivery comes
      // after any second post of the first two.
      await member.send(made.id, 'Deploy 9 finished');
      await waitUntil(() => outcomes.length > 2, 'the third delivery', 30_000);
      expect(outcomes.map(([text]) => text)).toEqual(['Deploy 7 finished', 'Deploy 8 finished', 'Deploy 9 finished']);
      expect(posts.filter((p) => p.up)).toHaveLength(3);
      expect(new Set(posts.filter((p) => p.up).map((p) => p.delivery)).size).toBe(3);
    } finally {
      await hooks?.close();
      await Promise.all([hooked.stop(), member.stop()]);
    }
  }, 180_000);
});
