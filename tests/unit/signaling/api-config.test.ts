/**
 * `GET /api/config` hands browsers the built-in STUN responder as `stun:HOST:PORT`, where
 * HOST is `PUBLIC_HOST` or the request's own Host header, parsed strictly so a forged Host
 * can never inject anything into the list (docs/architecture.md §6).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, resolveConfig } from '../../../signaling/config.js';
import { ConfigError } from '../../../signaling/errors.js';
import { hostFromHeader, normalizeHost } from '../../../signaling/http/host.js';
import { startTestServer, type TestServer } from '../../helpers/signaling-server.js';

const DEFAULT_MAX_FILE = 200 * 1024 * 1024;
/** The mailbox keeps files up to 25 MiB unless the operator sets MAILBOX_MAX_FILE_BYTES. */
const DEFAULT_MAILBOX_FILE = 25 * 1024 * 1024;

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t.close();
});

/** GET /api/config with a Host header of our choosing (fetch would not let us set it). */
function configWithHost(server: TestServer, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.server.port, path: '/api/config', headers: { Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('STUN entry of /api/config', () => {
  it('names the host the browser used, without its port, and the STUN port', async () => {
    const stun = t.server.stunPort;
    expect(stun).toBeGreaterThan(0);
    const cases: Record<string, string> = {
      'chat.example.org': 'chat.example.org',
      'Chat.Example.org:8443': 'chat.example.org',
      'localhost:8787': 'localhost',
      '203.0.113.7:80': '203.0.113.7',
      '[2001:db8::1]:8787': '[2001:db8::1]',
      '[2001:DB8::1]': '[2001:db8::1]',
    };
    for (const [host, expected] of Object.entries(cases)) {
      const res = await configWithHost(t, host);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body), host).toEqual({ iceServers: [{ urls: `stun:${expected}:${stun}` }], maxFileBytes: DEFAULT_MAX_FILE, mailboxMaxFileBytes: DEFAULT_MAILBOX_FILE });
    }
  });

  it('leaves STUN out, and echoes nothing, for a Host header that is not a plain host', async () => {
    const forged = [
      'evil.example/x',
      'a b',
      'x,turn:evil.example',
      'x?transport=tcp',
      '"quoted"',
      '[::1',
      'fe80::1',
      '[fe80::1%25eth0]',
      'host:99999',
      'host:',
      '1.2.3',
      '-leading.example',
      `${'a'.repeat(64)}.example`,
      'user@host',
    ];
    for (const host of forged) {
      const res = await configWithHost(t, host);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body), host).toEqual({ iceServers: [], maxFileBytes: DEFAULT_MAX_FILE, mailboxMaxFileBytes: DEFAULT_MAILBOX_FILE });
    }
  });

  it('PUBLIC_HOST wins over the Host header', async () => {
    const s = await startTestServer({ publicHost: 'parley.example.net' });
    try {
      const res = await configWithHost(s, 'attacker.example');
      expect(JSON.parse(res.body)).toEqual({ iceServers: [{ urls: `stun:parley.example.net:${s.server.stunPort}` }], maxFileBytes: DEFAULT_MAX_FILE, mailboxMaxFileBytes: DEFAULT_MAILBOX_FILE });
      expect(res.body).not.toContain('attacker');
    } finally {
      await s.close();
    }
  });

  it('STUN off: no entry, no UDP port', async () => {
    const s = await startTestServer({ stunPort: null });
    try {
      expect(s.server.stunPort).toBeNull();
      expect(JSON.parse((await configWithHost(s, 'chat.example.org')).body)).toEqual({ iceServers: [], maxFileBytes: DEFAULT_MAX_FILE, mailboxMaxFileBytes: DEFAULT_MAILBOX_FILE });
    } finally {
      await s.close();
    }
  });
});

describe('host parsing', () => {
  it('normalizes DNS names, IPv4 and IPv6 literals into URL form', () => {
    expect(normalizeHost('Example.ORG.')).toBe('example.org');
    expect(normalizeHost('192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeHost('2001:db8::1')).toBe('[2001:db8::1]');
    expect(normalizeHost('[::1]')).toBe('[::1]');
    for (const bad of ['', ' ', 'http://x', 'x:1', '[x]', 'a..b', '999.1.1.1', 'fe80::1%eth0', 'a_b.example']) expect(normalizeHost(bad), bad).toBeNull();
  });

  it('takes a Host header apart only when it is host[:port]', () => {
    expect(hostFromHeader('a.example:1')).toBe('a.example');
    expect(hostFromHeader('[::1]:65535')).toBe('[::1]');
    expect(hostFromHeader(undefined)).toBeNull();
    expect(hostFromHeader('[::1]:65536')).toBeNull();
    expect(hostFromHeader('a.example:1:2')).toBeNull();
  });
});

describe('STUN and PUBLIC_HOST configuration', () => {
  it('STUN_PORT: default 3478, 0 turns STUN off, other values are the port', () => {
    expect(resolveConfig().stunPort).toBe(3478);
    expect(configFromEnv({ STUN_PORT: '0' }).stunPort).toBeNull();
    expect(configFromEnv({ STUN_PORT: '3479' }).stunPort).toBe(3479);
    expect(() => configFromEnv({ STUN_PORT: 'udp' })).toThrow(ConfigError);
    expect(() => resolveConfig({ stunPort: 70000 })).toThrow(ConfigError);
  });

  it('PUBLIC_HOST must be a bare host; IPv6 gets brackets', () => {
    expect(resolveConfig(configFromEnv({ PUBLIC_HOST: 'Chat.Example.org' })).publicHost).toBe('chat.example.org');
    expect(resolveConfig(configFromEnv({ PUBLIC_HOST: '2001:db8::5' })).publicHost).toBe('[2001:db8::5]');
    for (const bad of ['https://chat.example.org', 'chat.example.org:443', 'chat.example.org/path']) {
      expect(() => resolveConfig(configFromEnv({ PUBLIC_HOST: bad })), bad).toThrow(ConfigError);
    }
  });
});

describe('GET /api/config: files', () => {
  it('advertises MAX_FILE_BYTES, 200 MB unless the operator sets it', async () => {
    const s = await startTestServer({ maxFileBytes: 5_000_000 });
    try {
      expect(JSON.parse((await configWithHost(s, 'chat.example.org')).body).maxFileBytes).toBe(5_000_000);
    } finally {
      await s.close();
    }
    expect(configFromEnv({ MAX_FILE_BYTES: '1234' }).maxFileBytes).toBe(1234);
    expect(() => resolveConfig({ maxFileBytes: 0 })).toThrow(/maxFileBytes/);
  });

  it('advertises MAILBOX_MAX_FILE_BYTES, 25 MiB unless the operator sets it, and refuses a blob quota that cannot hold one such file', async () => {
    const s = await startTestServer({ mailboxMaxFileBytes: 3_000_000 });
    try {
      expect(JSON.parse((await configWithHost(s, 'chat.example.org')).body).mailboxMaxFileBytes).toBe(3_000_000);
    } finally {
      await s.close();
    }
    expect(configFromEnv({ MAILBOX_MAX_FILE_BYTES: '1234' }).mailboxMaxFileBytes).toBe(1234);
    expect(configFromEnv({ MAILBOX_BLOB_TTL_MS: '60000' }).mailboxBlobTtlMs).toBe(60_000);
    expect(() => resolveConfig({ mailboxMaxFileBytes: 0 })).toThrow(/mailboxMaxFileBytes/);
    expect(() => resolveConfig({ mailboxMaxFileBytes: 100 * 1024 * 1024 })).toThrow(/must hold one file/);
  });
});

