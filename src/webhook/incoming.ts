/**
 * Incoming webhooks: `POST /hooks/TOKEN` with `{"text": "…"}` (or a Slack-style payload
 * whose text is in `text` or its `blocks`) posts the text into the hook's conversation as
 * the bot, signed by the bot's device like anything it writes.
 *
 * Checked in this order, before the body is parsed: method and path (404/405), token (401,
 * compared in constant time against every hook so timing tells nothing about which prefix
 * matched), rate (429 with Retry-After; one bucket per hook so one noisy sender cannot
 * starve another), size (413 at MAX_BODY, counted while reading, not trusted from
 * Content-Length). Then JSON and text (400), then the send: 200 once a member or the mailbox
 * acknowledged it, 202 when it is saved but not yet acknowledged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TokenBucket } from '../../signaling/rate-limit.js';
import { BotError } from '../bot/errors.js';
import { errorField, type Logger } from '../core/logger.js';
import { MAX_TEXT } from '../core/events.js';
import type { IncomingHookConfig } from './config.js';

/** Largest request body accepted (Slack's own limit for a message payload is of this order). */
export const MAX_BODY = 64 * 1024;

export interface IncomingOptions {
  readonly hooks: readonly IncomingHookConfig[];
  /** Sends into a conversation; resolves once acknowledged, rejects with BotError otherwise. */
  readonly send: (conversation: string, text: string) => Promise<{ readonly id: string }>;
  readonly logger: Logger;
  /** Posts accepted back to back per hook, and per second after that. */
  readonly burst?: number;
  readonly perSecond?: number;
  /** Turns a parsed JSON body into the message text (null: 400); `payloadText` by default. */
  readonly toText?: (body: unknown) => string | null;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The text of a `{text}` or Slack-compatible `{text, blocks}` payload, or null. */
export function payloadText(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const { text, blocks } = body as { text?: unknown; blocks?: unknown };
  if (typeof text === 'string' && text.trim()) return text;
  if (!Array.isArray(blocks)) return null;
  // Slack's section and header blocks carry text objects; context blocks carry elements.
  const parts: string[] = [];
  for (const block of blocks as unknown[]) {
    if (typeof block !== 'object' || block === null) continue;
    const b = block as { text?: { text?: unknown }; elements?: unknown; fields?: unknown };
    if (typeof b.text?.text === 'string') parts.push(b.text.text);
    for (const list of [b.fields, b.elements]) {
      if (!Array.isArray(list)) continue;
      for (const el of list as Array<{ text?: unknown }>) if (typeof el?.text === 'string') parts.push(el.text);
    }
  }
  const joined = parts.join('\n').trim();
  return joined ? joined : null;
}

export class IncomingHooks {
  private readonly hooks: ReadonlyArray<{ readonly hook: IncomingHookConfig; readonly digest: Buffer; readonly bucket: TokenBucket }>;

  constructor(private readonly options: IncomingOptions) {
    this.hooks = options.hooks.map((hook) => ({ hook, digest: digest(hook.token), bucket: new TokenBucket(options.burst ?? 10, options.perSecond ?? 1) }));
  }

  /** Handles a request if it is for `/hooks/…`; returns false for other paths. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^\/hooks\/([^/]+)$/.exec(url.pathname);
    if (!match) return false;
    void this.serve(req, res, decodeURIComponent(match[1]!));
    return true;
  }

  private find(token: string) {
    const given = digest(token);
    let found: (typeof this.hooks)[number] | null = null;
    // Every hook is compared, so the time taken does not depend on which one matches.
    for (const h of this.hooks) if (timingSafeEqual(given, h.digest)) found = h;
    return found;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
    if (req.method !== 'POST') return reply(res, 405, { error: 'POST only' }, { Allow: 'POST' });
    const hook = this.find(token);
    if (!hook) return drain(req, () => reply(res, 401, { error: 'unknown hook token' }));
    if (!hook.bucket.take()) return drain(req, () => reply(res, 429, { error: 'too many requests' }, { 'Retry-After': String(Math.ceil(1 / (this.options.perSecond ?? 1))) }));
    const body = await readCapped(req, MAX_BODY);
    if (body === null) return reply(res, 413, { error: `body over ${MAX_BODY} bytes` }, { Connection: 'close' });
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return reply(res, 400, { error: 'the body is not JSON' });
    }
    const text = (this.options.toText ?? payloadText)(parsed);
    if (text === null) return reply(res, 400, { error: 'no text: send {"text": "…"}' });
    if (text.length > MAX_TEXT) return reply(res, 413, { error: `text over ${MAX_TEXT} characters` });
    try {
      const sent = await this.options.send(hook.hook.conversation, text);
      reply(res, 200, { ok: true, id: sent.id });
    } catch (error) {
      if (error instanceof BotError && error.code === 'not-acknowledged') return reply(res, 202, { ok: true, queued: true, id: error.detail.id });
      this.options.logger.warn('incoming hook could not post', { error: errorField(error) });
      const status = error instanceof BotError && error.code === 'bad-message' ? 400 : 502;
      reply(res, status, { error: error instanceof BotError ? error.message : 'could not post' });
    }
  }
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Reads a refused request's body away (bounded), so the answer reaches a client still sending. */
function drain(req: IncomingMessage, then: () => void): void {
  let seen = 0;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > MAX_BODY) req.destroy();
  });
  req.on('end', then);
  req.on('error', () => undefined);
}

/** The body, or null once it passes `max` bytes (the rest is not read). */
function readCapped(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      req.resume();
      resolve(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size > max ? null : Buffer.concat(chunks)));
    req.on('error', () => resolve(null));
  });
}
