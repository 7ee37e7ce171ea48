/**
 * TURN REST credentials (coturn `use-auth-secret`): format, expiry, one credential per
 * request, and the shared secret never in any response or configuration error.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, resolveConfig } from '../../../signaling/config.js';
import { ConfigError } from '../../../signaling/errors.js';
import { createTurnIssuer } from '../../../signaling/turn/credentials.js';
import { startTestServer, type TestServer } from '../../helpers/signaling-server.js';

const SECRET = 'unit-test-turn-secret-0123456789';

/** An independent HMAC-SHA1 (not node:crypto), so the test does not check the code against itself. */
const expectedCredential = (username: string, secret = SECRET): string =>
  Buffer.from(hmac(sha1, new TextEncoder().encode(secret), new TextEncoder().encode(username))).toString('base64');

describe('TURN credential issuer', () => {
  it('issues expiry:id usernames with an HMAC-SHA1 credential, expiring TTL seconds from now', () => {
    const now = 1_700_000_000_123;
    const issue = createTurnIssuer({ urls: ['turn:turn.example.org:3478', 'turns:turn.example.org:5349'], secret: SECRET, ttlSeconds: 3600 }, () => now);
    const entry = issue();
    expect(entry.urls).toEqual(['turn:turn.example.org:3478', 'turns:turn.example.org:5349']);
    expect(entry.username).toMatch(/^\d+:[0-9a-f]{24}$/);
    const [expiry] = entry.username!.split(':');
    expect(Number(expiry)).toBe(1_700_000_000 + 3600);
    expect(entry.credential).toBe(expectedCredential(entry.username!));
  });

  it('never hands two callers the same username', () => {
    const issue = createTurnIssuer({ urls: ['turn:t.example'], secret: SECRET, ttlSeconds: 60 });
    const names = new Set(Array.from({ length: 1000 }, () => issue().username));
    expect(names.size).toBe(1000);
  });
});

describe('TURN on /api/config', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ stunPort: null, turnUrls: ['turn:turn.example.org:3478?transport=udp'], turnSecret: SECRET, turnTtlSeconds: 120 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('gives each request its own fresh credential, and the secret appears in no response', async () => {
    const before = Math.floor(Date.now() / 1000);
    const bodies = [await (await fetch(`${t.httpUrl}/api/config`)).text(), await (await fetch(`${t.httpUrl}/api/config`)).text()];
    const after = Math.floor(Date.now() / 1000);
    const entries = bodies.map((b) => (JSON.parse(b) as { iceServers: { urls: string[]; username: string; credential: string }[] }).iceServers);
    for (const [entry] of entries) {
      expect(entry!.urls).toEqual(['turn:turn.example.org:3478?transport=udp']);
      expect(entry!.credential).toBe(expectedCredential(entry!.username));
      const expiry = Number(entry!.username.split(':')[0]);
      expect(expiry).toBeGreaterThanOrEqual(before + 120);
      expect(expiry).toBeLessThanOrEqual(after + 120);
    }
    expect(entries[0]![0]!.username).not.toBe(entries[1]![0]!.username);
    for (const body of bodies) {
      expect(body).not.toContain(SECRET);
      expect(body).not.toContain(Buffer.from(SECRET).toString('base64'));
    }
    // Nor any other response.
    for (const path of ['/healthz', '/metrics', '/', '/api/nope']) expect(await (await fetch(`${t.httpUrl}${path}`)).text()).not.toContain(SECRET);
    expect(t.logs.some((l) => JSON.stringify(l).includes(SECRET))).toBe(false);
  });
});

describe('TURN configuration', () => {
  it('reads TURN_URLS, TURN_SECRET and TURN_TTL_SECONDS (default one day)', () => {
    const c = resolveConfig(configFromEnv({ TURN_URLS: 'turn:a.example:3478, turns:a.example:5349', TURN_SECRET: SECRET }));
    expect(c.turnUrls).toEqual(['turn:a.example:3478', 'turns:a.example:5349']);
    expect(c.turnTtlSeconds).toBe(86_400);
    expect(resolveConfig(configFromEnv({ TURN_URLS: 'turn:a.example', TURN_SECRET: SECRET, TURN_TTL_SECONDS: '600' })).turnTtlSeconds).toBe(600);
    expect(resolveConfig().turnUrls).toEqual([]);
  });

  it('refuses half a TURN setup, weak secrets and non-TURN URLs, never quoting the secret', () => {
    const bad: Record<string, string>[] = [
      { TURN_URLS: 'turn:a.example' },
      { TURN_SECRET: SECRET },
      { TURN_URLS: 'turn:a.example', TURN_SECRET: 'short' },
      { TURN_URLS: 'stun:a.example', TURN_SECRET: SECRET },
      { TURN_URLS: 'https://a.example', TURN_SECRET: SECRET },
      { TURN_URLS: 'turn:a.example/x', TURN_SECRET: SECRET },
      { TURN_URLS: 'turn:a.example', TURN_SECRET: SECRET, TURN_TTL_SECONDS: '0' },
    ];
    for (const env of bad) {
      let error: unknown;
      try {
        resolveConfig(configFromEnv(env));
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(env)).toBeInstanceOf(ConfigError);
      expect((error as Error).message).not.toContain(SECRET);
      expect((error as Error).message).not.toContain('short');
    }
  });
});
