/**
 * The built app under its own headers (docs/architecture.md §6): the document, the service
 * worker and the API carry the strict Content-Security-Policy and no-referrer; source maps
 * are not served; the app starts, registers a person and works offline-capable under the
 * policy without one violation (every e2e test fails on a violation; this one also checks
 * that the watcher would see one).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, WASM_WORKER_CONTENT_SECURITY_POLICY } from '../../signaling/http/security-headers.js';
import { launchChromium, takeCspViolations } from '../helpers/browser.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { ParleyUser } from '../helpers/parley-user.js';

let browser: Browser;
let app: AppServer;

beforeAll(async () => {
  browser = await launchChromium();
  app = await startAppServer();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('security headers on the built app', () => {
  it('the document, sw.js, assets and the API carry the policy; source maps are not served', async () => {
    const user = await ParleyUser.create(browser, 'Hedda');
    const doc = await user.page.goto(app.url);
    const headers = doc!.headers();
    expect(headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['strict-transport-security']).toBeUndefined();
    const html = await doc!.text();
    // Nothing inline for the policy to have to allow.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style="/);
    const scripts = [...html.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const p of ['/sw.js', '/api/config', scripts[0]!]) {
      const res = await fetch(`${app.url}${p}`);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-security-policy'), p).toBe(CONTENT_SECURITY_POLICY);
    }
    // The file workers' scripts, and only they, may compile WebAssembly (docs/architecture.md
    // §6.3); the bulk worker that carries file chunks (§14.2) and the one that works out
    // safety numbers (§11) compile nothing and keep the page's policy. They are named in the files part, which loads after the first screen
    // (§11), so every script the service worker precaches is read, not the entry alone.
    const precached = [...(await (await fetch(`${app.url}/sw.js`)).text()).matchAll(/"url":"(assets\/[\w./-]+\.js)"/g)].map((m) => `/${m[1]!}`);
    expect(precached).toContain(scripts[0]);
    const bundle = (await Promise.all(precached.map(async (p) => (await fetch(`${app.url}${p}`)).text()))).join('\n');
    const workers = [...new Set([...bundle.matchAll(/assets\/(?:wasm-)?workers\/[\w.-]+\.js/g)].map((m) => `/${m[0]}`))];
    // Without Vite's 8-character content hash, which may itself contain a '-'.
    expect(workers.map((p) => p.replace(/-[\w-]{8}\.js$/, '')).sort()).toEqual(['/assets/wasm-workers/open-worker', '/assets/wasm-workers/seal-worker', '/assets/workers/bulk-worker', '/assets/workers/safety-number-worker']);
    for (const p of workers) {
      const policy = (await fetch(`${app.url}${p}`)).headers.get('content-security-policy');
      expect(policy, p).toBe(p.startsWith('/assets/wasm-workers/') ? WASM_WORKER_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY);
    }
    // The build writes source maps; the server keeps them to itself.
    expect((await fetch(`${app.url}${scripts[0]!}.map`)).status).toBe(404);
    expect((await fetch(`${app.url}/sw.js.map`)).status).toBe(404);
    await user.close();
  });

  it('the app registers a person and its service worker takes control under the policy, with no violation', async () => {
    const user = await ParleyUser.create(browser, 'Ibsen');
    await user.open(app.url);
    await user.register();
    await user.page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await user.page.reload();
    await user.page.getByRole('button', { name: 'New conversation' }).waitFor();
    expect(await user.page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    expect(takeCspViolations(browser)).toEqual([]);
    await user.close();
  });

  it('the violation watcher sees an inline script the policy blocks (so a quiet run means something)', async () => {
    const user = await ParleyUser.create(browser, 'Jonas');
    await user.open(app.url);
    const ran = await user.page.evaluate(async () => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.body.append(script);
      await new Promise((r) => setTimeout(r, 100));
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(ran).toBe(false);
    await expect.poll(() => takeCspViolations(browser).join('\n'), { timeout: 5000 }).toMatch(/script-src(-elem)? blocked inline/);
    await user.close();
  });
});
