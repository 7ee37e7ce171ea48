/**
 * Webhooks end to end in Node: a bot member (the app's client, real server on port 0,
 * real WebRTC) runs the webhook server. Incoming: a POST with the hook's token appears in
 * the conversation at another member; a bad token gets 401, an oversized body 413 and a
 * flood 429. Outgoing: a member's message reaches a local receiver as a signed POST whose
 * HMAC the receiver checks, after the receiver's 500s were retried.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyBot, type BotEvent, type BotMessage } from '../../../src/bot/index.js';
import { localOps } from '../../../src/bot/control-server.js';
import { silentLogger } from '../../../src/core/logger.js';
import { parseWebhookConfig } from '../../../src/webhook/config.js';
import { MAX_BODY } from '../../../src/webhook/incoming.js';
import { SIGNATURE_HEADER } from '../../../src/webhook/outgoing.js';
import { WebhookServer } from '../../../src/webhook/webhook-server.js';
import { startTestServer, waitUntil, type TestServer } from '../../helpers/signaling-server.js';

let server: TestServer;
let hooked: ParleyBot;
let member: ParleyBot;
let conversation: string;
const heard: BotEvent[] = [];

beforeAll(async () => {
  server = await startTestServer();
  hooked = await ParleyBot.start({ memory: true, server: server.httpUrl, name: 'CI', logger: silentLogger });
  member = await ParleyBot.start({ memory: true, server: server.httpUrl, name: 'Dana', logger: silentLogger });
  member.on('event', (e) => void heard.push(e));
  const made = await member.create('Builds');
  conversation = made.id;
  await hooked.join(made.invite, { timeoutMs: 20_000 });
});

afterAll(async () => {
  await Promise.all([hooked?.stop(), member?.stop()]);
  await server?.close();
});

const TOKEN = 'incoming-token-0123456789abcdef';

describe('incoming webhook', () => {
  let hooks: WebhookServer;
  let base: string;
  beforeAll(async () => {
    const config = parseWebhookConfig({ port: 0, incoming: [{ token: TOKEN, conversation }] });
    hooks = new WebhookServer({ config, ops: localOps(hooked), logger: silentLogger, burst: 3, perSecond: 0.2 });
    const address = await hooks.start();
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => hooks?.close());

  const post = (token: string, body: string): Promise<Response> =>
    fetch(`${base}/hooks/${token}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });

  it('posts {text} and Slack blocks into the conversation as the bot; refuses bad tokens, big bodies and floods', async () => {
    const ok = await post(TOKEN, JSON.stringify({ text: 'Build 7 passed' }));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { ok: boolean }).ok).toBe(true);
    await waitUntil(() => heard.some((e) => e.kind === 'message' && e.text === 'Build 7 passed'), 'the posted message', 20_000);
    const msg = heard.find((e): e is BotMessage => e.kind === 'message' && e.text === 'Build 7 passed')!;
    expect(msg.author).toMatchObject({ name: 'CI', identity: hooked.identity, bot: true });

    const slack = await post(TOKEN, JSON.stringify({ blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Deploy *done*' } }] }));
    expect(slack.status).toBe(200);
    await waitUntil(() => heard.some((e) => e.kind === 'message' && e.text === 'Deploy *done*'), 'the Slack-style post', 20_000);

    expect((await post('wrong-token-0123456789abcdef', JSON.stringify({ text: 'nope' }))).status).toBe(401);
    expect((await post(TOKEN, JSON.stringify({ text: 'x'.repeat(MAX_BODY + 10) }))).status).toBe(413);

    // The bucket holds at most 3 and refills at one per 5 s: five at once is a flood.
    const flood = await Promise.all(Array.from({ length: 5 }, () => post(TOKEN, JSON.stringify({ text: 'flood' }))));
    expect(flood.map((r) => r.status)).toContain(429);
    expect(flood.find((r) => r.status === 429)!.headers.get('retry-after')).toMatch(/^\d+$/);
    // Nothing refused was posted.
    const texts = (await member.history(conversation, 50)).map((m) => m.text);
    expect(texts).not.toContain('nope');
    expect(texts.some((t) => t.startsWith('xxx'))).toBe(false);
  });
});

describe('outgoing webhook', () => {
  let receiver: Server;
  const SECRET = 'outgoing-secret-0123456789abcdef';
  const received: Array<{ body: string; signature: string; valid: boolean }> = [];
  let failFirst = 2;

  beforeAll(async () => {
    receiver = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const signature = String(req.headers[SIGNATURE_HEADER.toLowerCase()] ?? '');
        const expected = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
        const valid = signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
        received.push({ body, signature, valid });
        if (failFirst-- > 0) {
          res.writeHead(500).end();
          return;
        }
        res.writeHead(valid ? 204 : 401).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });

  it('delivers a member’s message as a signed POST, retried after 500s', async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/parley`;
    const config = parseWebhookConfig({ port: 0, outgoing: [{ url, secret: SECRET, conversations: [conversation], events: ['message'] }] });
    const hooks = new WebhookServer({ config, ops: localOps(hooked), logger: silentLogger, outgoing: { baseDelayMs: 50 } });
    const outcomes: Array<[string, string, number]> = [];
    hooks.outgoing[0]!.on('settled', (event, outcome, status) => void outcomes.push([event.text ?? '', outcome, status]));
    await hooks.start();
    try {
      await member.send(conversation, 'Release 1.2 ready?');
      await waitUntil(() => outcomes.length > 0, 'the delivery to settle', 30_000);
      expect(outcomes).toEqual([['Release 1.2 ready?', 'delivered', 204]]);
      // Two 500s, then the delivery: three identical signed POSTs.
      expect(received).toHaveLength(3);
      expect(received.every((r) => r.valid)).toBe(true);
      expect(new Set(received.map((r) => r.body)).size).toBe(1);
      const body = JSON.parse(received[2]!.body) as Record<string, unknown>;
      expect(body).toMatchObject({ type: 'message', text: 'Release 1.2 ready?', conversation, author: { name: 'Dana', identity: member.identity, bot: true } });
    } finally {
      await hooks.close();
    }
  });
});
