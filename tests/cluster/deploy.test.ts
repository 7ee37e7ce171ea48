/**
 * What deploy/ configures, tested with the real parts that exist on this machine (Docker does
 * not): the node environment of compose.yaml is a valid Parley configuration; nginx runs
 * deploy/nginx.conf in front of two real nodes (TLS, HTTP→HTTPS, sticky WebSocket upgrades,
 * failover, the cluster-wide per-address socket cap, body cap, no /metrics); coturn runs
 * deploy/turnserver.conf and allocates with a credential a node mints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { configFromEnv, resolveConfig } from '../../signaling/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { allQuiet, loadWrtc } from '../../src/node/wrtc.js';
import { TURNSERVER_PATH } from '../helpers/coturn.js';
import { Nginx } from '../helpers/nginx.js';
import { ParleyCluster } from '../helpers/parley-cluster.js';
import { freePort } from '../helpers/server-process.js';
import { SignalClient } from '../helpers/raw-signal-client.js';
import { waitUntil } from '../helpers/signaling-server.js';

// The wrtc src/node/wrtc.ts hands out: a connection closed here is waited for until quiet
// (docs/architecture.md §12, "Teardown"), not left to native callbacks after the test.
const wrtc = (await loadWrtc(silentLogger)) as { RTCPeerConnection: typeof RTCPeerConnection };

const SECRET = 'deploy-test-turn-secret-0123456789';
let cluster: ParleyCluster;
let nginx: Nginx;
let coturn: { port: number; child: ChildProcess; dir: string; log: () => string };

/** deploy/turnserver.conf as shipped, plus what compose passes on the command line and loopback-only addresses. */
async function startCoturn(): Promise<typeof coturn> {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-deploy-coturn-'));
  const port = await freePort();
  const min = 30_000 + Math.floor(Math.random() * 20_000);
  const conf = readFileSync('deploy/turnserver.conf', 'utf8')
    .replace(/^listening-port=3478$/m, `listening-port=${port}`)
    .replace(/^min-port=\d+$/m, `min-port=${min}`)
    .replace(/^max-port=\d+$/m, `max-port=${min + 40}`);
  const file = path.join(dir, 'turnserver.conf');
  writeFileSync(file, `${conf}\nlistening-ip=127.0.0.1\nrelay-ip=127.0.0.1\npidfile=${dir}/pid\nuserdb=${dir}/db\n`);
  const child = spawn(TURNSERVER_PATH, ['-c', file, `--static-auth-secret=${SECRET}`, '--realm=parley.test'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  return { port, child, dir, log: () => log };
}

beforeAll(async () => {
  coturn = await startCoturn();
  // As in compose.yaml: behind a proxy, TURN from coturn, the nodes' own STUN off. The
  // per-node socket cap is raised so that the cap nginx enforces is the one tested.
  cluster = await ParleyCluster.start(2, {
    TRUST_PROXY: 'true',
    TURN_URLS: `turn:127.0.0.1:${coturn.port}?transport=udp`,
    TURN_SECRET: SECRET,
    MAX_SOCKETS_PER_IP: '1000',
  });
  nginx = await Nginx.start([cluster.node(1).port, cluster.node(2).port]);
});
afterAll(async () => {
  await nginx?.stop();
  await cluster?.stop();
  coturn?.child.kill('SIGKILL');
  if (coturn) rmSync(coturn.dir, { recursive: true, force: true });
});

/** HTTPS through nginx with its self-signed certificate. */
function https(pathname: string, init: { method?: string; body?: Buffer; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${nginx.url}${pathname}`, { method: init.method ?? 'GET', headers: init.headers, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const wssUrl = (): string => `wss://127.0.0.1:${nginx.httpsPort}/signal`;
const socketsOn = async (i: number): Promise<number> => ((await (await fetch(`${cluster.node(i).url}/healthz`)).json()) as { sockets: number }).sockets;
const openViaNginx = (): Promise<SignalClient> => SignalClient.open(wssUrl(), { rejectUnauthorized: false });

describe('deploy/', () => {
  it("compose.yaml's node environment is a valid Parley configuration", () => {
    const compose = readFileSync('deploy/compose.yaml', 'utf8');
    const example = Object.fromEntries(
      readFileSync('deploy/env.example', 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const block = compose.slice(compose.indexOf('environment: &parley-env'), compose.indexOf('  # Every node must sign'));
    const env: Record<string, string> = { NODE_ID: 'parley1' };
    for (const [, key, raw] of block.matchAll(/^ {4}([A-Z_]+): (.*)$/gm)) {
      // ${VAR}, ${VAR:?msg} and ${VAR:-default} as compose substitutes them from deploy/.env.
      env[key!] = raw!.replace(/^"|"$/g, '').replace(/\$\{([A-Z_]+)(?::[?-]([^}]*))?\}/g, (_m, name: string, fallback?: string) => example[name] ?? fallback ?? '');
    }
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'TRUST_PROXY', 'TURN_URLS', 'TURN_SECRET', 'NODE_ID']));
    const source = readFileSync('signaling/config-env.ts', 'utf8');
    for (const key of Object.keys(env)) {
      expect(source.includes(`env.${key}`) || source.includes(`'${key}'`), `config-env.ts reads ${key}`).toBe(true);
    }
    const config = resolveConfig(configFromEnv(env));
    expect(config).toMatchObject({ trustProxy: true, stunPort: null, nodeId: 'parley1', redisUrl: 'redis://redis:6379', allowedOrigins: ['https://chat.example.org'] });
    expect(config.turnUrls).toEqual(['turn:chat.example.org:3478?transport=udp', 'turn:chat.example.org:3478?transport=tcp']);
    expect(config.databaseUrl).toMatch(/^postgres:\/\/parley:.+@postgres:5432\/parley$/);
  });

  it('nginx: TLS, HTTP redirected to HTTPS, the app and API through it, no /metrics, bodies capped', async () => {
    const plain = await fetch(`http://127.0.0.1:${nginx.httpPort}/some/path?x=1`, { redirect: 'manual' });
    expect(plain.status).toBe(308);
    expect(plain.headers.get('location')).toBe('https://127.0.0.1/some/path?x=1');
    const index = await https('/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<parley-app');
    expect((await https('/api/config')).status).toBe(200);
    expect((await https('/metrics')).status).toBe(404);
    const tooBig = await https(`/api/mailbox/${'a'.repeat(64)}`, { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024), headers: { 'Content-Type': 'application/octet-stream' } });
    expect(tooBig.status).toBe(413);
  });

  it('nginx keeps one address on one node, relays across nodes through Redis, and fails over when that node dies', async () => {
    const clients = [await openViaNginx(), await openViaNginx(), await openViaNginx()];
    const counts = [await socketsOn(1), await socketsOn(2)];
    // All three from 127.0.0.1: one node has them all.
    expect(counts.sort()).toEqual([0, 3]);
    const home = (await socketsOn(1)) === 3 ? 1 : 2;
    const other = home === 1 ? 2 : 1;

    const topic = `deploy-${randomUUID()}`;
    await clients[0]!.subscribe([topic]);
    const direct = await SignalClient.open(`ws://127.0.0.1:${cluster.node(other).port}/signal`);
    await direct.subscribe([topic]);
    await new Promise((r) => setTimeout(r, 300));
    direct.send({ type: 'publish', topic, data: { via: 'other node' } });
    expect(await clients[0]!.next((m) => m.type === 'publish')).toMatchObject({ topic, data: { via: 'other node' } });
    await direct.close();

    await cluster.node(home).kill9();
    await Promise.all(clients.map((c) => c.closed));
    const again = await openViaNginx();
    await waitUntil(async () => (await socketsOn(other)) >= 1, 'the reconnect to land on the surviving node');
    await again.close();
    await cluster.node(home).spawn();
  });

  it("nginx caps /signal sockets per address for the whole cluster (64), above the nodes' own cap", async () => {
    const open: WebSocket[] = [];
    try {
      for (let i = 0; i < 64; i++) open.push(await new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(wssUrl(), { rejectUnauthorized: false });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      }));
      const refused = await new Promise<number>((resolve) => {
        const ws = new WebSocket(wssUrl(), { rejectUnauthorized: false });
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => resolve(101));
        ws.once('error', () => resolve(-1));
      });
      expect(refused).toBe(503);
    } finally {
      for (const ws of open) ws.terminate();
    }
  });

  it('coturn with deploy/turnserver.conf allocates a relay for the credential a node hands out through nginx', async () => {
    const { iceServers } = JSON.parse((await https('/api/config')).body) as { iceServers: RTCIceServer[] };
    const turn = iceServers.filter((s) => String(s.urls).startsWith('turn:'));
    expect(turn).toHaveLength(1);
    const pc = new wrtc.RTCPeerConnection({ iceServers: turn, iceTransportPolicy: 'relay' });
    const candidates: string[] = [];
    try {
      pc.onicecandidate = (e: RTCPeerConnectionIceEvent) => void (e.candidate && candidates.push(e.candidate.candidate));
      const done = new Promise<void>((resolve) => {
        pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
      });
      pc.createDataChannel('probe');
      await pc.setLocalDescription(await pc.createOffer());
      await done;
    } finally {
      pc.close();
      // Bounded, as tests/helpers/wrtc-pair.ts is: whatever wrtc does, the test reports its own
      // result or error rather than hang (docs/architecture.md §12, "Teardown").
      if (!(await allQuiet([pc]))) console.warn('wrtc connection still closing after 5 s');
    }
    expect(candidates.some((c) => / typ relay /.test(c)), coturn.log()).toBe(true);
  });
});
