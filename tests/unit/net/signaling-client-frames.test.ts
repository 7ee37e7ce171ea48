/**
 * Text frames from the server are capped in the client (src/net/signaling-client.ts): one over
 * MAX_SERVER_TEXT_CHARS is neither parsed nor handed on, and the socket is closed with 4009 and
 * opened again. A real `ws` server on port 0 plays the server; the client uses Node's `ws`.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { MAX_SERVER_TEXT_CHARS, SERVER_FRAME_TOO_LARGE, SignalingClient, type SocketLike } from '../../../src/net/signaling-client.js';
import { Backoff } from '../../../src/net/backoff.js';
import { CloseCodes } from '../../../src/core/wire/signaling.js';

const TOPIC = 'a'.repeat(64);

let wss: WebSocketServer | null = null;
let client: SignalingClient | null = null;

afterEach(async () => {
  client?.destroy();
  client = null;
  for (const ws of wss?.clients ?? []) ws.terminate();
  await new Promise((resolve) => wss?.close(resolve));
  wss = null;
});

/** A publish frame for TOPIC whose JSON is exactly `chars` characters long. */
function publishFrame(chars: number): string {
  const empty = JSON.stringify({ type: 'publish', topic: TOPIC, data: '' });
  return JSON.stringify({ type: 'publish', topic: TOPIC, data: 'x'.repeat(chars - empty.length) });
}

/** Starts the server; each connection is handed to `onConnection` once it has subscribed. */
async function serve(onConnection: (ws: WebSocket, n: number) => void): Promise<{ url: string; closes: number[] }> {
  const closes: number[] = [];
  let connections = 0;
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => {
    const n = ++connections;
    ws.on('close', (code) => closes.push(code));
    ws.once('message', () => onConnection(ws, n));
  });
  await new Promise<void>((resolve) => wss!.once('listening', resolve));
  return { url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`, closes };
}

function start(url: string): { received: unknown[] } {
  const received: unknown[] = [];
  client = new SignalingClient({
    url,
    createSocket: (u) => new WebSocket(u) as unknown as SocketLike,
    backoff: new Backoff({ baseMs: 20, maxMs: 50 }),
  });
  client.on('message', (_topic, data) => void received.push(data));
  client.subscribe(TOPIC);
  client.start();
  return { received };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 5_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('SignalingClient: text frames from the server', () => {
  it('hands on a frame at the cap', async () => {
    const frame = publishFrame(MAX_SERVER_TEXT_CHARS);
    expect(frame.length).toBe(MAX_SERVER_TEXT_CHARS);
    const { url } = await serve((ws) => ws.send(frame));
    const { received } = start(url);
    await until(() => received.length === 1, 'the frame at the cap');
    expect(received[0]).toBe(JSON.parse(frame).data);
  });

  it('refuses a frame over the cap unread, closes with 4009 and connects again', async () => {
    // The first connection gets a frame one character over the cap, then a small one that
    // must not be read either (the client has given that socket up); the second a small one.
    const { url, closes } = await serve((ws, n) => {
      if (n === 1) {
        ws.send(publishFrame(MAX_SERVER_TEXT_CHARS + 1));
        ws.send(publishFrame(200));
      } else ws.send(JSON.stringify({ type: 'publish', topic: TOPIC, data: 'after reconnecting' }));
    });
    const { received } = start(url);
    const closed: number[] = [];
    client!.on('closed', (code) => void closed.push(code));
    await until(() => received.length === 1, 'a frame on the second connection');
    expect(received).toEqual(['after reconnecting']);
    expect(closed[0]).toBe(SERVER_FRAME_TOO_LARGE);
    await until(() => closes.length >= 1, 'the server to see the close');
    expect(closes[0]).toBe(SERVER_FRAME_TOO_LARGE);
  });
});

describe('SignalingClient: backing off from a server that keeps refusing', () => {
  /** Starts a client whose backoff can be read; `serve` decides what each connection gets. */
  function startCounting(url: string): { backoff: Backoff; closed: number[] } {
    const backoff = new Backoff({ baseMs: 2, maxMs: 16 });
    const closed: number[] = [];
    client = new SignalingClient({ url, createSocket: (u) => new WebSocket(u) as unknown as SocketLike, backoff });
    client.on('closed', (code) => void closed.push(code));
    client.subscribe(TOPIC);
    client.start();
    return { backoff, closed };
  }

  it('keeps backing off when every connection sends a frame over the cap', async () => {
    // Were the backoff reset on each open, this server would have the client back every 250-500 ms forever.
    const { url } = await serve((ws) => ws.send(publishFrame(MAX_SERVER_TEXT_CHARS + 1)));
    const { backoff, closed } = startCounting(url);
    await until(() => closed.length >= 5, 'five refused connections');
    expect(closed.slice(0, 5)).toEqual(Array(5).fill(SERVER_FRAME_TOO_LARGE));
    expect(backoff.attempts).toBeGreaterThanOrEqual(5);
  });

  it('keeps backing off when the server closes each connection as rate-limited (4429)', async () => {
    const { url } = await serve((ws) => ws.close(CloseCodes.rateLimited, 'too fast'));
    const { backoff, closed } = startCounting(url);
    await until(() => closed.length >= 5, 'five rate-limited connections');
    expect(closed.slice(0, 5)).toEqual(Array(5).fill(CloseCodes.rateLimited));
    expect(backoff.attempts).toBeGreaterThanOrEqual(5);
  });

  it('starts the backoff over after a connection that worked closes normally', async () => {
    const { url } = await serve((ws) => ws.close(1000, 'bye'));
    const { backoff, closed } = startCounting(url);
    await until(() => closed.length >= 5, 'five closed connections');
    // Each close resets, then the reconnect's delay counts one attempt.
    expect(backoff.attempts).toBeLessThanOrEqual(1);
  });
});
