/**
 * Starts a real Parley server on 127.0.0.1, port 0, with its own temporary static and
 * data directories and a logger that records lines for assertions.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ParleyServerInit } from '../../signaling/config.js';
import type { LogFields, Logger } from '../../signaling/logger.js';
import { createParleyServer, type ParleyServer, type ParleyServerOptions } from '../../signaling/server.js';

/** Files written into every test static dir, with the Content-Type each must get. */
export const STATIC_FIXTURES: Readonly<Record<string, { readonly body: string; readonly type: string }>> = {
  'index.html': { body: '<!doctype html><title>Parley</title><parley-app></parley-app>', type: 'text/html; charset=utf-8' },
  'assets/index-3f2a1b9c.js': { body: 'export const x = 1;\n', type: 'text/javascript; charset=utf-8' },
  'assets/index-77aa01de.css': { body: 'body{margin:0}\n', type: 'text/css; charset=utf-8' },
  'assets/worker-1234abcd.mjs': { body: 'export {};\n', type: 'text/javascript; charset=utf-8' },
  'assets/inter-5e6f7a8b.woff2': { body: 'wOF2', type: 'font/woff2' },
  'assets/argon-0a1b2c3d.wasm': { body: '\0asm', type: 'application/wasm' },
  'sw.js': { body: 'self.addEventListener("fetch", () => {});\n', type: 'text/javascript; charset=utf-8' },
  'manifest.webmanifest': { body: '{"name":"Parley"}', type: 'application/manifest+json' },
  'icon.svg': { body: '<svg xmlns="http://www.w3.org/2000/svg"/>', type: 'image/svg+xml' },
  'icon-192.png': { body: '\x89PNG', type: 'image/png' },
  'favicon.ico': { body: 'ico', type: 'image/x-icon' },
  'version.json': { body: '{"v":1}', type: 'application/json; charset=utf-8' },
  'robots.txt': { body: 'User-agent: *\n', type: 'text/plain; charset=utf-8' },
};

/**
 * Test servers serve every client from 127.0.0.1, so the per-address mailbox rates and
 * upload counts would make unrelated tests fail; they are off unless a test sets them
 * (the attack tests set the production values).
 */
export const UNLIMITED_ADDRESS_RATES: ParleyServerInit = {
  mailboxAppendBurst: 1e9,
  mailboxAppendsPerSecond: 1e9,
  mailboxAppendBurstBytes: 1e15,
  mailboxAppendBytesPerSecond: 1e15,
  mailboxCreateBurst: 1e9,
  mailboxCreatesPerSecond: 1e9,
  mailboxBlobBurstBytes: 1e15,
  mailboxBlobBytesPerSecond: 1e15,
  uploadMaxPerAddress: 1e6,
  registerBurst: 1e9,
  registersPerSecond: 1e9,
};

/** `/metrics` answers only this bearer token on test servers (see {@link metricsText}). */
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789';

/** `GET /metrics` with the test servers' token, as text. */
export async function metricsText(httpUrl: string): Promise<string> {
  const res = await fetch(`${httpUrl}/metrics`, { headers: { Authorization: `Bearer ${TEST_METRICS_TOKEN}` } });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** Written next to (outside) the static dir; traversal tests must never see it. */
export const SECRET_TEXT = 'TOP-SECRET-outside-static-root';

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields | undefined;
}

export interface TestServer {
  readonly server: ParleyServer;
  /** `http://127.0.0.1:<port>` */
  readonly httpUrl: string;
  /** `ws://127.0.0.1:<port>/signal` */
  readonly wsUrl: string;
  /** Temp dir holding `static/`, `data/` and `secret.txt`. */
  readonly dir: string;
  /** Every line the server logged, in order. */
  readonly logs: LogLine[];
  /** Closes the server and removes the temp dir. */
  close(): Promise<void>;
}

export async function writeStaticFixtures(staticDir: string): Promise<void> {
  for (const [name, { body }] of Object.entries(STATIC_FIXTURES)) {
    const file = path.join(staticDir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, body, 'latin1');
  }
  await writeFile(path.join(staticDir, '.env'), 'DOTFILE=1\n');
}

/** Starts a server; with `reuseDir` (a closed TestServer's `dir`) it runs on that server's data. */
export async function startTestServer(init: ParleyServerOptions = {}, reuseDir?: string): Promise<TestServer> {
  const dir = reuseDir ?? (await mkdtemp(path.join(os.tmpdir(), 'parley-signal-')));
  const staticDir = path.join(dir, 'static');
  if (reuseDir === undefined) {
    await writeStaticFixtures(staticDir);
    await writeFile(path.join(dir, 'secret.txt'), SECRET_TEXT);
  }
  const logs: LogLine[] = [];
  const record = (level: LogLine['level']) => (message: string, fields?: LogFields) => {
    logs.push({ level, message, fields });
  };
  const logger: Logger = { info: record('info'), warn: record('warn'), error: record('error') };
  const server = await createParleyServer({ port: 0, host: '127.0.0.1', stunPort: 0, metricsToken: TEST_METRICS_TOKEN, ...UNLIMITED_ADDRESS_RATES, staticDir, dataDir: path.join(dir, 'data'), logger, ...init });
  return {
    server,
    httpUrl: `http://127.0.0.1:${server.port}`,
    wsUrl: `ws://127.0.0.1:${server.port}/signal`,
    dir,
    logs,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Closes `t`'s server gracefully but keeps its directory, then starts a new server on the
 * same data directory (a restart). Close the returned server, not `t`.
 */
export async function restartTestServer(t: TestServer, init: ParleyServerInit = {}): Promise<TestServer> {
  await t.server.close();
  return startTestServer(init, t.dir);
}

/** Servers a test file starts, each closed after its case (`closeAll` in an `afterEach`). */
export interface ServerPool {
  /** Starts a server with the pool's settings, then `init`. */
  server(init?: ParleyServerOptions): Promise<TestServer>;
  /** Stops a server and starts a new one on the same data (its stores survive). */
  restart(s: TestServer, init?: ParleyServerOptions): Promise<TestServer>;
  closeAll(): Promise<void>;
}

export function serverPool(settings: ParleyServerOptions = {}): ServerPool {
  const servers: TestServer[] = [];
  return {
    async server(init = {}) {
      const s = await startTestServer({ ...settings, ...init });
      servers.push(s);
      return s;
    },
    async restart(s, init = {}) {
      const at = servers.indexOf(s);
      if (at >= 0) servers.splice(at, 1);
      const next = await restartTestServer(s, { ...settings, ...init });
      servers.push(next);
      return next;
    },
    async closeAll() {
      await Promise.all(servers.splice(0).map((s) => s.close()));
    },
  };
}

export interface Health {
  readonly status: number;
  readonly body: { ok: boolean; sockets: number; topics: number };
}

/** `GET /healthz`. */
export async function healthz(httpUrl: string): Promise<Health> {
  const res = await fetch(`${httpUrl}/healthz`);
  return { status: res.status, body: (await res.json()) as Health['body'] };
}

/** Polls `check` until it returns true or `timeoutMs` passes (then throws with `what`). */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
