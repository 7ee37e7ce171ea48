/**
 * Headers on every response (docs/architecture.md §6, §8): a strict Content-Security-Policy,
 * no referrer, HSTS only over TLS, no source maps unless asked, and `/metrics` behind a
 * bearer token (off without one).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, WASM_WORKER_CONTENT_SECURITY_POLICY } from '../../../signaling/http/security-headers.js';
import { startTestServer, TEST_METRICS_TOKEN, type TestServer } from '../../helpers/signaling-server.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ stunPort: null });
  await writeFile(path.join(t.dir, 'static', 'assets', 'index-3f2a1b9c.js.map'), '{"version":3,"sources":["secret-source.ts"]}');
  await mkdir(path.join(t.dir, 'static', 'assets', 'wasm-workers'), { recursive: true });
  await mkdir(path.join(t.dir, 'static', 'assets', 'workers'), { recursive: true });
  await writeFile(path.join(t.dir, 'static', 'assets', 'wasm-workers', 'open-worker-3f2a1b9c.js'), 'postMessage(1);');
  await writeFile(path.join(t.dir, 'static', 'assets', 'wasm-workers', 'notes.txt'), 'not a script');
  await writeFile(path.join(t.dir, 'static', 'assets', 'workers', 'bulk-worker-3f2a1b9c.js'), 'postMessage(1);');
  await writeFile(path.join(t.dir, 'static', 'assets', 'open-worker-3f2a1b9c.js'), 'postMessage(1);');
});

afterAll(async () => {
  await t.close();
});

describe('security headers', () => {
  it('every kind of response carries the CSP, no-referrer, nosniff and frame denial', async () => {
    const mailbox = `/api/mailbox/${'a'.repeat(64)}`;
    for (const [p, status] of [['/', 200], ['/sw.js', 200], ['/api/config', 200], ['/healthz', 200], ['/api/nope', 404], ['/no/such.png', 404], [mailbox, 401]] as const) {
      const res = await fetch(`${t.httpUrl}${p}`);
      expect(res.status, p).toBe(status);
      expect(res.headers.get('content-security-policy'), p).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('referrer-policy'), p).toBe('no-referrer');
      expect(res.headers.get('x-content-type-options'), p).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), p).toBe('DENY');
      expect(res.headers.get('strict-transport-security'), p).toBeNull();
    }
  });

  it('the policy: only this origin, no inline script or style, no eval, no framing', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it("only the WebAssembly workers' scripts may compile WebAssembly: the page's policy plus 'wasm-unsafe-eval', nothing else", async () => {
    const worker = await fetch(`${t.httpUrl}/assets/wasm-workers/open-worker-3f2a1b9c.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-security-policy')).toBe(WASM_WORKER_CONTENT_SECURITY_POLICY);
    const page = new Map(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0]!, d]));
    const ofWorker = new Map(WASM_WORKER_CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0]!, d]));
    expect(ofWorker.get('script-src')).toBe("script-src 'self' 'wasm-unsafe-eval'");
    expect(new Map([...ofWorker].filter(([k]) => k !== 'script-src'))).toEqual(new Map([...page].filter(([k]) => k !== 'script-src')));
    expect(WASM_WORKER_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|'unsafe-eval'|\*/);
    // Anything else keeps the page's policy: other workers' scripts (the bulk worker compiles
    // nothing), anything else in that folder, scripts outside it.
    const bulk = await fetch(`${t.httpUrl}/assets/workers/bulk-worker-3f2a1b9c.js`);
    expect(bulk.status).toBe(200);
    for (const p of ['/assets/workers/bulk-worker-3f2a1b9c.js', '/assets/wasm-workers/notes.txt', '/assets/open-worker-3f2a1b9c.js', '/', '/assets/wasm-workers/no-such.js']) {
      expect((await fetch(`${t.httpUrl}${p}`)).headers.get('content-security-policy'), p).toBe(CONTENT_SECURITY_POLICY);
    }
  });

  it('HSTS only when the trusted proxy says the request came over TLS', async () => {
    const behindProxy = await startTestServer({ stunPort: null, trustProxy: true });
    try {
      const https = await fetch(`${behindProxy.httpUrl}/`, { headers: { 'X-Forwarded-Proto': 'https' } });
      expect(https.headers.get('strict-transport-security')).toBe('max-age=31536000');
      // The proxy's own value is the last one; an earlier, client-supplied "https" does not count.
      const spoofed = await fetch(`${behindProxy.httpUrl}/`, { headers: { 'X-Forwarded-Proto': 'https, http' } });
      expect(spoofed.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await behindProxy.close();
    }
    // Without TRUST_PROXY the header is the client's word, and ignored.
    const direct = await fetch(`${t.httpUrl}/`, { headers: { 'X-Forwarded-Proto': 'https' } });
    expect(direct.headers.get('strict-transport-security')).toBeNull();
  });
});

describe('source maps', () => {
  it('are not served unless SERVE_SOURCEMAPS is set', async () => {
    expect((await fetch(`${t.httpUrl}/assets/index-3f2a1b9c.js.map`)).status).toBe(404);
    const withMaps = await startTestServer({ stunPort: null, serveSourcemaps: true });
    try {
      await writeFile(path.join(withMaps.dir, 'static', 'assets', 'index-3f2a1b9c.js.map'), '{"version":3}');
      const res = await fetch(`${withMaps.httpUrl}/assets/index-3f2a1b9c.js.map`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('{"version":3}');
    } finally {
      await withMaps.close();
    }
  });
});

describe('/metrics', () => {
  it('answers only the bearer token; anything else gets 401 and no numbers', async () => {
    const ok = await fetch(`${t.httpUrl}/metrics`, { headers: { Authorization: `Bearer ${TEST_METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('parley_signal_sockets');
    for (const headers of [{} as Record<string, string>, { Authorization: 'Bearer wrong-token-0123456789' }, { Authorization: TEST_METRICS_TOKEN }, { Authorization: `Basic ${TEST_METRICS_TOKEN}` }]) {
      const res = await fetch(`${t.httpUrl}/metrics`, { headers });
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain('parley_');
    }
  });

  it('is off (404, not the app) when METRICS_TOKEN is unset', async () => {
    const off = await startTestServer({ stunPort: null, metricsToken: undefined });
    try {
      const res = await fetch(`${off.httpUrl}/metrics`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('<parley-app>');
    } finally {
      await off.close();
    }
  });
});
