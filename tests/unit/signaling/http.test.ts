/**
 * HTTP side of the server (docs/architecture.md §6): static PWA files with MIME types and cache
 * headers, traversal refusal, SPA fallback, health, metrics, /api/config, and the
 * upgrade rules (unknown path, Origin allow-list).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCodes } from '../../../src/core/wire/signaling.js';
import { expectRelayWorks, SignalClient, upgradeStatus } from '../../helpers/raw-signal-client.js';
import { SECRET_TEXT, STATIC_FIXTURES, startTestServer, TEST_METRICS_TOKEN, waitUntil, type TestServer } from '../../helpers/signaling-server.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t.close();
});

/** Raw request, so the path reaches the server exactly as written (fetch normalises `..`). */
function rawGet(path: string, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${t.httpUrl}/`, { path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static files', () => {
  it.each(Object.entries(STATIC_FIXTURES))('serves %s with its MIME type', async (name, { type }) => {
    const res = await fetch(`${t.httpUrl}/${name}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves index.html at /', async () => {
    const res = await fetch(`${t.httpUrl}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(STATIC_FIXTURES['index.html']?.body);
  });

  it('caches hashed assets/ files for a year as immutable, and revalidates everything else', async () => {
    for (const name of ['assets/index-3f2a1b9c.js', 'assets/index-77aa01de.css']) {
      expect((await fetch(`${t.httpUrl}/${name}`)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    for (const name of ['', 'index.html', 'sw.js', 'manifest.webmanifest', 'some/route']) {
      expect((await fetch(`${t.httpUrl}/${name}`)).headers.get('cache-control')).toBe('no-cache');
    }
  });

  it('sends Service-Worker-Allowed: / on sw.js only', async () => {
    expect((await fetch(`${t.httpUrl}/sw.js`)).headers.get('service-worker-allowed')).toBe('/');
    expect((await fetch(`${t.httpUrl}/assets/index-3f2a1b9c.js`)).headers.get('service-worker-allowed')).toBeNull();
  });

  it('answers a matching If-None-Match with 304', async () => {
    const first = await fetch(`${t.httpUrl}/index.html`);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^W\/"/);
    const again = await fetch(`${t.httpUrl}/index.html`, { headers: { 'If-None-Match': etag ?? '' } });
    expect(again.status).toBe(304);
  });

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/assets/%2e%2e/%2e%2e/secret.txt'])(
    'refuses path traversal %s with 400',
    async (path) => {
      const res = await rawGet(path);
      expect(res.status).toBe(400);
      expect(res.body).not.toContain(SECRET_TEXT);
    },
  );

  it('refuses a NUL byte or a broken escape with 400', async () => {
    expect((await rawGet('/index.html%00.js')).status).toBe(400);
    expect((await rawGet('/%E0%A4%A')).status).toBe(400);
  });

  it('never serves dotfiles', async () => {
    const res = await fetch(`${t.httpUrl}/.env`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('DOTFILE');
  });

  it('falls back to index.html for extension-less client routes (SPA)', async () => {
    for (const route of ['/c/abc123', '/settings', '/assets']) {
      const res = await fetch(`${t.httpUrl}${route}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toBe(STATIC_FIXTURES['index.html']?.body);
    }
  });

  it('answers 404 for unknown files with an extension', async () => {
    for (const name of ['/missing.js', '/assets/index-00000000.js', '/c/abc/logo.png']) {
      const res = await fetch(`${t.httpUrl}${name}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    }
  });

  it('supports HEAD with the same headers and no body', async () => {
    const get = await fetch(`${t.httpUrl}/assets/index-3f2a1b9c.js`);
    const head = await rawGet('/assets/index-3f2a1b9c.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String((await get.text()).length));
    expect(head.headers['content-type']).toBe(get.headers.get('content-type'));
  });

  it('answers other methods with 405 and Allow', async () => {
    for (const path of ['/', '/index.html', '/healthz', '/api/config']) {
      const res = await fetch(`${t.httpUrl}${path}`, { method: 'POST', body: 'x' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
    }
  });
});

describe('API and operational endpoints', () => {
  it('GET /healthz → 200 {ok, sockets, topics}', async () => {
    const c = await SignalClient.open(t.wsUrl);
    await c.subscribe(['a', 'b']);
    const res = await fetch(`${t.httpUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ ok: true, sockets: 1, topics: 2 });
    await c.close();
    await waitUntil(() => t.server.stats().sockets === 0, 'the socket to close');
  });

  it('GET /metrics → Prometheus text with sockets, topics, relayed messages and closes by code', async () => {
    const c = await SignalClient.open(t.wsUrl);
    await c.subscribe(['m']);
    c.send({ type: 'publish', topic: 'm', data: 1 });
    await c.next((m) => m.type === 'publish');
    const bad = await SignalClient.open(t.wsUrl);
    bad.sendRaw('not json');
    await bad.closed;
    await waitUntil(() => t.server.metrics.closes(CloseCodes.malformed) >= 1, 'the close to be counted');
    const res = await fetch(`${t.httpUrl}/metrics`, { headers: { Authorization: `Bearer ${TEST_METRICS_TOKEN}` } });
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('# TYPE parley_signal_sockets gauge');
    expect(text).toMatch(/^parley_signal_sockets 1$/m);
    expect(text).toMatch(/^parley_signal_topics 1$/m);
    expect(text).toMatch(/^parley_signal_messages_relayed_total [1-9]\d*$/m);
    expect(text).toMatch(/^parley_signal_closes_total\{code="4400"\} [1-9]\d*$/m);
    await c.close();
  });

  it('GET /api/config → the built-in STUN responder by default', async () => {
    const res = await fetch(`${t.httpUrl}/api/config`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ iceServers: [{ urls: `stun:127.0.0.1:${t.server.stunPort}` }], maxFileBytes: 200 * 1024 * 1024, mailboxMaxFileBytes: 25 * 1024 * 1024 });
  });

  it('GET /api/config returns the configured ICE servers (STUN off: nothing else)', async () => {
    const iceServers = [{ urls: 'stun:stun.example.org:3478' }, { urls: ['turn:turn.example.org'], username: 'u', credential: 'c' }];
    const other = await startTestServer({ iceServers, stunPort: null });
    try {
      expect(await (await fetch(`${other.httpUrl}/api/config`)).json()).toEqual({ iceServers, maxFileBytes: 200 * 1024 * 1024, mailboxMaxFileBytes: 25 * 1024 * 1024 });
    } finally {
      await other.close();
    }
  });

  it('unknown /api/ paths are JSON 404s, not the SPA', async () => {
    const res = await fetch(`${t.httpUrl}/api/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not found' });
  });

  it('plain GET /signal → 426 Upgrade Required', async () => {
    expect((await fetch(`${t.httpUrl}/signal`)).status).toBe(426);
  });

  it('a missing static dir gives a helpful 404 at / but the API still works', async () => {
    const bare = await startTestServer({ staticDir: '/nonexistent/parley-dist' });
    try {
      const res = await fetch(`${bare.httpUrl}/`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('not built');
      expect((await fetch(`${bare.httpUrl}/healthz`)).status).toBe(200);
      expect(bare.logs.some((l) => l.level === 'warn' && l.message.includes('static directory'))).toBe(true);
    } finally {
      await bare.close();
    }
  });
});

describe('WebSocket upgrade rules', () => {
  it('answers an upgrade on an unknown path with 404', async () => {
    expect(await upgradeStatus(`ws://127.0.0.1:${t.server.port}/not-signal`)).toBe(404);
    expect(await upgradeStatus(`ws://127.0.0.1:${t.server.port}/signal/extra`)).toBe(404);
    expect((await fetch(`${t.httpUrl}/healthz`)).status).toBe(200);
  });

  it('accepts /signal with a query string', async () => {
    const c = await SignalClient.open(`${t.wsUrl}?v=1`);
    await c.roundTrip();
    await c.close();
  });

  it('with ALLOWED_ORIGINS set, refuses other Origins with 4403 and admits listed ones', async () => {
    const guarded = await startTestServer({ allowedOrigins: ['https://parley.example'] });
    try {
      const evil = await SignalClient.open(guarded.wsUrl, { origin: 'https://evil.example' });
      expect(await evil.closed).toEqual({ code: CloseCodes.forbiddenOrigin, reason: 'origin not allowed' });
      const lookalike = await SignalClient.open(guarded.wsUrl, { origin: 'https://parley.example.evil.example' });
      expect((await lookalike.closed).code).toBe(CloseCodes.forbiddenOrigin);
      const good = await SignalClient.open(guarded.wsUrl, { origin: 'https://parley.example' });
      await good.roundTrip();
      expect(guarded.server.stats().sockets).toBe(1);
      await good.close();
      // No Origin header: a non-browser client (Node peer, benchmark), allowed.
      await expectRelayWorks(guarded.wsUrl);
    } finally {
      await guarded.close();
    }
  });
});
