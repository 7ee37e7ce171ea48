/**
 * Composition root of the server: builds every part from one config object and wires
 * them to a single HTTP server on one port. Nothing here is global, so tests can run
 * many servers side by side on port 0.
 */
import { createServer } from 'node:http';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SIGNAL_PATH } from '../src/core/wire/signaling.js';
import { apiConfigRoute, apiNotFoundRoute } from './http/api-config.js';
import { resolveConfig, type ParleyServerConfig, type ParleyServerInit } from './config.js';
import { ServerStartError } from './errors.js';
import { healthRoutes } from './http/health.js';
import { createRequestListener, respondText, type Route } from './http/router.js';
import { iceServersFor } from './http/ice-config.js';
import { DeliveryMetrics, NetworkMetrics, SignalMetrics, type DeliveryStats, type RelayStats, type SignalStats } from './metrics.js';
import { startStunResponder, type StunResponder } from './stun/responder.js';
import { createTurnIssuer } from './turn/credentials.js';
import { createSignalHub, refuseUpgrade } from './signal/hub.js';
import { staticFilesRoute } from './http/static-files.js';
import type { ServerDatabase } from './database.js';
import { RelayHub } from './relay/relay-hub.js';
import { openLinks, openStores, type ServerLinks, type ServerStores } from './backends.js';
import { backendHealth } from './http/backend-health.js';
import { createRegistrar } from './signal/registrar.js';
import { startMailboxPurge } from './mailbox/purge.js';
import { MailboxAdmission } from './mailbox/admission.js';
import { MailboxNotices } from './mailbox/notices.js';
import { withStorageCap } from './mailbox/storage-cap.js';
import { securityHeaders } from './http/security-headers.js';
import { UploadGate } from './http/upload-gate.js';
import { mailboxRoute } from './mailbox/route.js';
import { blobRoute } from './mailbox/blob-route.js';
import { PresenceRegistry } from './presence/registry.js';
import { subscriptionOwnerKeys } from './push/owner.js';
import { pushRoutes } from './push/route.js';
import { createWebPushSender } from './push/sender.js';
import { createHttpPushTransport } from './push/transport.js';
import { loadOrCreateVapidKeys } from './push/vapid-keys.js';
import { KeyedBuckets } from './rate-limit.js';

export interface ParleyServer {
  /** The bound port (the OS-chosen one when the config said 0). */
  readonly port: number;
  /** `http://localhost:<port>`, for humans and tests. */
  readonly url: string;
  /** `ws://localhost:<port>/signal`. */
  readonly signalUrl: string;
  /** The resolved configuration, defaults filled in. */
  readonly config: ParleyServerConfig;
  /** Counters of the signaling endpoint. */
  readonly metrics: SignalMetrics;
  /** Current gauges: sockets, topics, subscriptions. */
  stats(): SignalStats;
  /** Counters of the mailbox, push sender and presence. */
  readonly deliveryMetrics: DeliveryMetrics;
  /** Counters of STUN and the relay. */
  readonly networkMetrics: NetworkMetrics;
  /** Current gauges of the relay. */
  relayStats(): RelayStats;
  /** The bound UDP port of the STUN responder; null when STUN is off. */
  readonly stunPort: number | null;
  /** Current gauges of the mailbox, push sender and presence. */
  deliveryStats(): DeliveryStats;
  /** The VAPID public key (base64url), as `GET /api/push/vapid` returns it. */
  readonly vapidPublicKey: string;
  /** Resolves once no push delivery is queued, waiting for a retry, or in flight. */
  pushIdle(): Promise<void>;
  /**
   * The embedded SQLite store (public keys, opaque ids, ciphertext only). Throws when the
   * stores are in PostgreSQL (`databaseUrl`); use {@link stores} there.
   */
  readonly db: ServerDatabase;
  /** The durable stores, whichever database holds them. */
  readonly stores: ServerStores;
  /** How this node reaches the others (in-memory on one node, Redis in a cluster). */
  readonly links: ServerLinks;
  /**
   * Graceful shutdown: stop listening, close signaling sockets with 1001, let HTTP
   * requests finish, and cut whatever is left after `shutdownGraceMs`. Idempotent.
   */
  close(): Promise<void>;
}

/** Plain HTTP on the WebSocket path: tell the client what it should have sent. */
const signalPathRoute: Route = (req, res, ctx) => {
  if (ctx.url.pathname !== SIGNAL_PATH) return false;
  respondText(req, res, 426, 'Upgrade Required: this endpoint speaks WebSocket.\n', { Upgrade: 'websocket', Connection: 'Upgrade' });
  return true;
};

export interface ParleyServerOptions extends ParleyServerInit {
  /** Sees every text frame a client sends to /signal (tests assert the server is blind). */
  readonly tap?: (text: string) => void;
  /** Wall clock of push subscriptions' last use and their purge, ms since epoch (tests step it). */
  readonly now?: () => number;
}

export async function createParleyServer(init: ParleyServerOptions = {}): Promise<ParleyServer> {
  const config = resolveConfig(init);
  const { logger } = config;
  const staticRoot = path.resolve(config.staticDir);
  await mkdir(config.dataDir, { recursive: true });
  if (!(await stat(staticRoot).then((s) => s.isDirectory(), () => false))) {
    logger.warn('static directory not found; only the API and /signal are served', { staticDir: staticRoot });
  }

  const metrics = new SignalMetrics();
  const deliveryMetrics = new DeliveryMetrics();
  const networkMetrics = new NetworkMetrics();
  const vapid = loadOrCreateVapidKeys(config.dataDir);
  const stores = await openStores({ ...config, logger, vapidPublicKey: vapid.publicKey });
  const links = await openLinks({
    ...config,
    logger,
    // Ids of a node that died went offline: their last-seen is written by whoever noticed.
    onReaped: (ids, at) => void stores.presence.record(new Map(ids.map((id) => [id, at]))).catch(() => undefined),
  }).catch(async (err: unknown) => {
    await stores.close();
    throw err;
  });
  const { bus } = links;
  const relay = new RelayHub(config, bus, networkMetrics);
  const site = config.ipv6SiteFactor;
  const registrar = createRegistrar(
    stores.devices,
    new KeyedBuckets(config.registerBurst, config.registersPerSecond, config.rateLimitMaxAddresses),
    new KeyedBuckets(config.registerBurst * site, config.registersPerSecond * site, config.rateLimitMaxAddresses),
  );
  const presence = new PresenceRegistry({
    store: stores.presence,
    directory: links.directory,
    flushMs: config.presenceFlushMs,
    maxEntries: config.maxPresenceEntries,
    metrics: deliveryMetrics,
    logger,
  });
  const hub = createSignalHub({ config, bus, relay, mailboxWatch: config, mailboxHead: (id) => stores.mailboxes.lastSeq(id), metrics, registrar, presence, ...(init.tap ? { tap: init.tap } : {}) });

  const { subscriptions } = stores;
  const mailboxes = withStorageCap(stores.mailboxes, { maxTotalBytes: config.mailboxMaxTotalBytes });
  const uploads = new UploadGate(config);
  const health = backendHealth({ stores, links, logger });
  const purger = startMailboxPurge({
    store: mailboxes,
    intervalMs: config.mailboxPurgeIntervalMs,
    logger,
    onPurged: (n) => (deliveryMetrics.mailboxPurged += n),
  });
  const blobPurger = stores.blobs ? startMailboxPurge({ store: stores.blobs, intervalMs: config.mailboxPurgeIntervalMs, logger }) : null;
  const now = init.now ?? Date.now;
  // Subscriptions nobody posted or woke for pushSubscriptionTtlMs: devices gone quiet, or
  // fakes following mailboxes nobody writes (a push service's 404/410 removes others at once).
  const pushPurger = startMailboxPurge({
    store: { purgeExpired: (at) => subscriptions.purgeUnused(at - config.pushSubscriptionTtlMs) },
    intervalMs: config.mailboxPurgeIntervalMs,
    logger,
    now,
    what: 'push subscriptions',
    onPurged: (n) => (deliveryMetrics.pushSubscriptionsRemoved += n),
  });
  const admission = new MailboxAdmission(config);
  const push = createWebPushSender({
    subscriptions,
    transport: createHttpPushTransport({ timeoutMs: config.pushTimeoutMs }),
    vapid,
    subject: config.vapidSubject,
    ttlSeconds: config.pushTtlSeconds,
    policy: { maxAttempts: config.pushMaxAttempts, baseDelayMs: config.pushRetryBaseMs, maxDelayMs: config.pushRetryMaxDelayMs },
    concurrency: config.pushConcurrency,
    maxQueue: config.pushMaxQueue,
    metrics: deliveryMetrics,
    logger,
    // A tenth of the time to live: a subscription in use is marked well before it could go.
    markUsedEveryMs: config.pushSubscriptionTtlMs / 10,
    now,
  });
  const relayStats = (): RelayStats => ({ bound: relay.boundSockets, queuedBytes: relay.queuedBytes });
  const notices = new MailboxNotices(bus, deliveryMetrics);
  const deliveryStats = (): DeliveryStats => ({
    presenceOnline: presence.onlineCount,
    presenceWatches: presence.watchCount,
    pushPending: push.pending,
    mailboxWatches: notices.watchCount,
    mailboxStoredBytes: mailboxes.knownTotalBytes,
    uploadReservedBytes: uploads.reservedBytes,
  });

  // STUN binds before HTTP listens, so a taken UDP port stops the start with a clear error.
  let stun: StunResponder | null = null;
  const releaseAll = async (): Promise<void> => {
    await presence.close();
    await Promise.all([hub.close(0), purger.stop(), blobPurger?.stop(), pushPurger.stop(), push.close(), stun?.close()]);
    health.stop();
    await links.close();
    await stores.close();
  };
  if (config.stunPort !== null) {
    try {
      stun = await startStunResponder({ port: config.stunPort, host: config.host, limits: config, metrics: networkMetrics, logger });
    } catch (err) {
      await releaseAll();
      throw err;
    }
  }

  // Order matters: the first route that claims a request wins; static files catch the rest.
  const routes: Route[] = [
    ...healthRoutes({
      stats: () => hub.stats(),
      metrics,
      delivery: { metrics: deliveryMetrics, stats: deliveryStats },
      network: { metrics: networkMetrics, relay: relayStats },
      backends: health,
      metricsToken: config.metricsToken,
    }),
    apiConfigRoute(
      iceServersFor({
        configured: config.iceServers,
        stunPort: stun?.port ?? null,
        publicHost: config.publicHost,
        ...(config.turnSecret !== undefined ? { turn: createTurnIssuer({ urls: config.turnUrls, secret: config.turnSecret, ttlSeconds: config.turnTtlSeconds }) } : {}),
      }),
      { maxFileBytes: config.maxFileBytes, mailboxMaxFileBytes: stores.blobs ? config.mailboxMaxFileBytes : 0 },
    ),
    ...(stores.blobs
      ? [blobRoute({ store: stores.blobs, admission, uploads, bodyIdleTimeoutMs: config.httpBodyIdleTimeoutMs, trustProxy: config.trustProxy, metrics: deliveryMetrics })]
      : []),
    mailboxRoute({
      store: mailboxes,
      maxEntryBytes: config.maxEntryBytes,
      admission,
      uploads,
      bodyIdleTimeoutMs: config.httpBodyIdleTimeoutMs,
      trustProxy: config.trustProxy,
      metrics: deliveryMetrics,
      onAppended: (mailbox, seq, exclude) => {
        notices.notify(mailbox, seq);
        push.notify(mailbox, seq, exclude);
      },
    }),
    ...pushRoutes({
      vapidPublicKey: vapid.publicKey,
      subscriptions,
      endpointPolicy: { allowLoopbackHttp: config.pushAllowLoopbackHttp, allowedHosts: config.pushEndpointHosts },
      requests: new KeyedBuckets(config.pushSubscribeBurst, config.pushSubscribesPerSecond, config.rateLimitMaxAddresses),
      trustProxy: config.trustProxy,
      maxSubscriptions: config.pushMaxSubscriptions,
      maxPerAddress: config.pushMaxSubscriptionsPerAddress,
      siteFactor: config.ipv6SiteFactor,
      ownerKey: subscriptionOwnerKeys(vapid.privateKey),
      now,
    }),
    apiNotFoundRoute(),
    signalPathRoute,
    staticFilesRoute({ root: staticRoot, serveSourcemaps: config.serveSourcemaps }),
  ];
  const server = createServer(
    {
      // Slowloris: a request must send its headers, and then all of itself, in bounded time.
      // Node checks these on a timer (30 s by default); a second is precise enough.
      headersTimeout: config.httpHeadersTimeoutMs,
      requestTimeout: config.httpRequestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, config.httpHeadersTimeoutMs / 2),
    },
    createRequestListener(routes, logger, securityHeaders(config.trustProxy)),
  );

  server.on('upgrade', (req, socket, head) => {
    let pathname = '';
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      // unparsable target: falls through to 404
    }
    if (pathname !== SIGNAL_PATH) return refuseUpgrade(socket, '404 Not Found');
    hub.handleUpgrade(req, socket, head);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (cause: Error): void => reject(new ServerStartError(`cannot listen on ${config.host ?? '*'}:${config.port}`, { cause }));
      server.once('error', onError);
      server.listen({ port: config.port, host: config.host }, () => {
        server.off('error', onError);
        resolve();
      });
    });
  } catch (err) {
    // Leave nothing behind (timers, sockets, the database handle) when the port is taken.
    await releaseAll();
    throw err;
  }
  server.on('error', (err: NodeJS.ErrnoException) => logger.error('http server error', { code: err.code ?? err.name }));

  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  let closing: Promise<void> | undefined;

  return {
    port,
    url: `http://localhost:${port}`,
    signalUrl: `ws://localhost:${port}${SIGNAL_PATH}`,
    config,
    metrics,
    deliveryMetrics,
    networkMetrics,
    relayStats,
    stunPort: stun?.port ?? null,
    deliveryStats,
    vapidPublicKey: vapid.publicKey,
    pushIdle: () => push.whenIdle(),
    get db() {
      if (stores.sqlite === null) throw new Error('this server stores in PostgreSQL (databaseUrl); use server.stores');
      return stores.sqlite;
    },
    stores,
    links,
    stats: () => hub.stats(),
    close() {
      closing ??= (async () => {
        const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Presence first: it writes every online id's last-seen in one transaction, so the
        // sockets closing next do not each commit their own.
        await presence.close();
        await hub.close(config.shutdownGraceMs);
        // Any HTTP request still running after the grace period is cut.
        server.closeAllConnections();
        await httpClosed;
        // Wake-ups are best effort: pending retries are abandoned, not awaited.
        await Promise.all([purger.stop(), blobPurger?.stop(), pushPurger.stop(), push.close(), stun?.close()]);
        health.stop();
        await links.close();
        await stores.close();
      })();
      return closing;
    },
  };
}
