/** Configuration from the environment: defaults, parsing, and refusal of bad values. */
import { describe, expect, it } from 'vitest';
import { MailboxLimits } from '../../../src/core/wire/mailbox.js';
import { SignalingLimits } from '../../../src/core/wire/signaling.js';
import { configFromEnv, DEFAULT_PUSH_ENDPOINT_HOSTS, resolveConfig } from '../../../signaling/config.js';
import { ConfigError } from '../../../signaling/errors.js';
import { parseIceServers } from '../../../signaling/http/ice-servers.js';

describe('config', () => {
  it('defaults follow docs/architecture.md §6.5 and the shared SignalingLimits', () => {
    const c = resolveConfig(configFromEnv({}));
    expect(c).toMatchObject({
      port: 8787,
      host: undefined,
      staticDir: 'dist',
      dataDir: './data',
      iceServers: [],
      allowedOrigins: null,
      maxSocketsPerIp: 64,
      pingIntervalMs: 30_000,
      maxFrameBytes: SignalingLimits.maxFrameBytes,
      maxTopicsPerSocket: SignalingLimits.maxTopicsPerSocket,
      rateBurst: SignalingLimits.rateBurst,
      ratePerSecond: SignalingLimits.ratePerSecond,
      maxBufferedBytes: 1024 * 1024,
      trustProxy: false,
      ipv6SiteFactor: 16,
    });
  });

  it('reads every documented variable', () => {
    const c = resolveConfig(
      configFromEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        STATIC_DIR: '/srv/parley',
        DATA_DIR: '/var/lib/parley',
        ALLOWED_ORIGINS: 'https://Parley.Example/, http://localhost:5173',
        ICE_SERVERS: '[{"urls":"stun:stun.example.org"}]',
        MAX_SOCKETS_PER_IP: '5000',
        MAX_SOCKETS: '20000',
        PING_INTERVAL_MS: '250',
        SHUTDOWN_GRACE_MS: '1500',
        TRUST_PROXY: 'true',
        IPV6_SITE_FACTOR: '4',
      }),
    );
    expect(c).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      staticDir: '/srv/parley',
      dataDir: '/var/lib/parley',
      allowedOrigins: ['https://parley.example', 'http://localhost:5173'],
      iceServers: [{ urls: 'stun:stun.example.org' }],
      maxSocketsPerIp: 5000,
      maxSockets: 20000,
      pingIntervalMs: 250,
      shutdownGraceMs: 1500,
      trustProxy: true,
      ipv6SiteFactor: 4,
    });
  });

  it('defaults the mailbox to the shared MailboxLimits and push to https-only endpoints', () => {
    expect(resolveConfig(configFromEnv({}))).toMatchObject({
      maxEntryBytes: MailboxLimits.maxEntryBytes,
      maxMailboxBytes: MailboxLimits.maxMailboxBytes,
      maxMailboxEntries: MailboxLimits.maxMailboxEntries,
      mailboxTtlMs: MailboxLimits.ttlMs,
      vapidSubject: 'mailto:admin@localhost',
      pushTtlSeconds: 86_400,
      pushAllowLoopbackHttp: false,
      pushEndpointHosts: DEFAULT_PUSH_ENDPOINT_HOSTS,
      pushMaxSubscriptionsPerAddress: 1000,
    });
    expect(DEFAULT_PUSH_ENDPOINT_HOSTS).toContain('fcm.googleapis.com');
  });

  it('reads the mailbox and push variables', () => {
    const c = resolveConfig(
      configFromEnv({
        MAILBOX_TTL_MS: '60000',
        MAILBOX_PURGE_INTERVAL_MS: '5000',
        MAILBOX_MAX_ENTRY_BYTES: '1024',
        MAILBOX_MAX_BYTES: '4096',
        MAILBOX_MAX_ENTRIES: '10',
        VAPID_SUBJECT: 'https://parley.example/contact',
        PUSH_TTL_SECONDS: '600',
        PUSH_ALLOW_LOOPBACK_HTTP: 'yes',
        PUSH_ENDPOINT_HOSTS: ' Push.Example , *.push.corp.example ',
        PUSH_MAX_SUBSCRIPTIONS_PER_ADDRESS: '50',
      }),
    );
    expect(c).toMatchObject({
      mailboxTtlMs: 60_000,
      mailboxPurgeIntervalMs: 5000,
      maxEntryBytes: 1024,
      maxMailboxBytes: 4096,
      maxMailboxEntries: 10,
      vapidSubject: 'https://parley.example/contact',
      pushTtlSeconds: 600,
      pushAllowLoopbackHttp: true,
      pushEndpointHosts: ['push.example', '*.push.corp.example'],
      pushMaxSubscriptionsPerAddress: 50,
    });
  });

  it.each([
    [{ MAILBOX_TTL_MS: '0' }],
    [{ MAILBOX_MAX_ENTRIES: 'many' }],
    [{ MAILBOX_MAX_ENTRY_BYTES: '2000', MAILBOX_MAX_BYTES: '1000' }],
    [{ VAPID_SUBJECT: 'admin@example.org' }],
    [{ VAPID_SUBJECT: 'http://parley.example' }],
    [{ PUSH_ALLOW_LOOPBACK_HTTP: 'sometimes' }],
    [{ PUSH_ENDPOINT_HOSTS: 'push.example:8443' }],
    [{ PUSH_ENDPOINT_HOSTS: 'https://push.example' }],
    [{ PUSH_ENDPOINT_HOSTS: '*.' }],
    [{ PUSH_MAX_SUBSCRIPTIONS_PER_ADDRESS: '0' }],
    [{ IPV6_SITE_FACTOR: '0' }],
  ])('refuses mailbox/push setting %o with a ConfigError', (env) => {
    expect(() => resolveConfig(configFromEnv(env))).toThrow(ConfigError);
  });

  it('treats blank variables as unset', () => {
    expect(resolveConfig(configFromEnv({ PORT: '', ALLOWED_ORIGINS: ' ', ICE_SERVERS: '' }))).toMatchObject({ port: 8787, allowedOrigins: null, iceServers: [] });
  });

  it.each([
    [{ PORT: 'eighty' }],
    [{ PORT: '70000' }],
    [{ PORT: '-1' }],
    [{ MAX_SOCKETS_PER_IP: '1.5' }],
    [{ PING_INTERVAL_MS: '0' }],
    [{ TRUST_PROXY: 'maybe' }],
    [{ ALLOWED_ORIGINS: 'not a url' }],
    [{ ICE_SERVERS: '{"urls":"stun:x"}' }],
    [{ ICE_SERVERS: '[{"urls":"http://stun.example.org"}]' }],
    [{ ICE_SERVERS: '[{"urls":[]}]' }],
    [{ ICE_SERVERS: '[{"urls":"turn:t","credential":5}]' }],
    [{ ICE_SERVERS: '[not json' }],
  ])('refuses %o with a ConfigError', (env) => {
    expect(() => resolveConfig(configFromEnv(env))).toThrow(ConfigError);
  });

  it('keeps the JSON parse failure as the cause', () => {
    try {
      parseIceServers('[');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).cause).toBeInstanceOf(SyntaxError);
    }
  });

  it('drops unknown keys from ICE server entries before they reach browsers', () => {
    expect(parseIceServers('[{"urls":["turns:t.example:443"],"username":"u","credential":"p","secretNote":"x"}]')).toEqual([
      { urls: ['turns:t.example:443'], username: 'u', credential: 'p' },
    ]);
  });

  it('refuses non-positive limits given in code', () => {
    expect(() => resolveConfig({ maxBufferedBytes: 0 })).toThrow(ConfigError);
    expect(() => resolveConfig({ rateBurst: Number.NaN })).toThrow(ConfigError);
    expect(() => resolveConfig({ pushMaxSubscriptions: 1.5 })).toThrow(ConfigError);
    expect(() => resolveConfig({ registersPerSecond: 0 })).toThrow(ConfigError);
    expect(() => resolveConfig({ pushSubscriptionTtlMs: -1 })).toThrow(ConfigError);
  });

  it('refuses a push subscription lifetime under a day: one meant in seconds or minutes would purge every device', () => {
    expect(() => resolveConfig(configFromEnv({ PUSH_SUBSCRIPTION_TTL_MS: '60' }))).toThrow(/at least one day/);
    expect(() => resolveConfig({ pushSubscriptionTtlMs: 86_399_999 })).toThrow(ConfigError);
    expect(resolveConfig({ pushSubscriptionTtlMs: 86_400_000 }).pushSubscriptionTtlMs).toBe(86_400_000);
  });

  it('reads the abuse limits, METRICS_TOKEN and SERVE_SOURCEMAPS; rates set their own bursts', () => {
    const c = resolveConfig(
      configFromEnv({
        MAILBOX_MAX_TOTAL_BYTES: '1073741824',
        MAILBOX_APPENDS_PER_SECOND: '10',
        MAILBOX_APPEND_BYTES_PER_SECOND: '1048576',
        MAILBOX_NEW_PER_MINUTE: '60',
        UPLOADS_PER_ADDRESS: '8',
        UPLOAD_MAX_INFLIGHT_BYTES: '134217728',
        METRICS_TOKEN: 'a-long-enough-metrics-token',
        SERVE_SOURCEMAPS: 'true',
        REGISTRATIONS_PER_MINUTE: '120',
        PUSH_MAX_SUBSCRIPTIONS: '5000',
        PUSH_SUBSCRIPTION_TTL_MS: '86400000',
      }),
    );
    expect(c).toMatchObject({
      registersPerSecond: 2,
      registerBurst: 120,
      pushMaxSubscriptions: 5000,
      pushSubscriptionTtlMs: 86_400_000,
      mailboxMaxTotalBytes: 1 << 30,
      mailboxAppendsPerSecond: 10,
      mailboxAppendBurst: 600,
      mailboxAppendBytesPerSecond: 1 << 20,
      mailboxAppendBurstBytes: 64 << 20,
      mailboxCreatesPerSecond: 1,
      mailboxCreateBurst: 60,
      uploadMaxPerAddress: 8,
      uploadMaxInFlightBytes: 128 << 20,
      metricsToken: 'a-long-enough-metrics-token',
      serveSourcemaps: true,
    });
    const d = resolveConfig();
    expect([d.metricsToken, d.serveSourcemaps, d.mailboxMaxTotalBytes]).toEqual([undefined, false, 4 * 1024 ** 3]);
  });

  it('refuses a short METRICS_TOKEN and limits that could never admit one full entry', () => {
    expect(() => resolveConfig(configFromEnv({ METRICS_TOKEN: 'short' }))).toThrow(ConfigError);
    expect(() => resolveConfig({ uploadMaxInFlightBytes: 1024 })).toThrow(ConfigError);
    expect(() => resolveConfig({ mailboxAppendBurstBytes: 1024 })).toThrow(ConfigError);
    expect(() => resolveConfig({ httpHeadersTimeoutMs: 5000, httpRequestTimeoutMs: 5000 })).toThrow(ConfigError);
  });
});
