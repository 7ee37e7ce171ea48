/**
 * Composition root of the server: builds every part from one config object and wires
 * them to a single HTTP server on one port. Nothing here is global, so tests can run
 * many servers side by side on port 0.
 */
import { createServer } from 'node:http';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SIGNAL_PATH } from '../src/core/wire/signaling.js';
import { apiConfigRoute, apiNotFoundRoute } from './api-config.js';
import { resolveConfig, type ParleyServerConfig, type ParleyServerInit } from './config.js';
import { ServerStartError } from './errors.js';
import { healthRoutes } from './health.js';
import { createRequestListener, respondText, type Route } from './http-router.js';
import { SignalMetrics, type SignalStats } from './metrics.js';
import { createSignalHub, refuseUpgrade } from './signal-hub.js';
import { staticFilesRoute } from './static-files.js';
import { MemoryTopicBus } from './topic-bus.js';
import { openServerDatabase, type ServerDatabase } from './database.js';
import { createRegistrar } from './device-registry.js';

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
  /** The embedded SQLite store (public keys, opaque ids, ciphertext only). */
  readonly db: ServerDatabase;
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
  const bus = new MemoryTopicBus();
  const db = openServerDatabase(config.dataDir);
  const registrar = createRegistrar(db);
  const hub = createSignalHub({ config, bus, metrics, registrar, ...(init.tap ? { tap: init.tap } : {}) });

  // Order matters: the first route that claims a request wins; static files catch the rest.
  const routes: Route[] = [
    ...healthRoutes({ stats: () => hub.stats(), metrics }),
    apiConfigRoute(config.iceServers),
    apiNotFoundRoute(),
    signalPathRoute,
    staticFilesRoute({ root: staticRoot }),
  ];
  const server = createServer(createRequestListener(routes, logger));

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

  await new Promise<void>((resolve, reject) => {
    const onError = (cause: Error): void => reject(new ServerStartError(`cannot listen on ${config.host ?? '*'}:${config.port}`, { cause }));
    server.once('error', onError);
    server.listen({ port: config.port, host: config.host }, () => {
      server.off('error', onError);
      resolve();
    });
  });
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
    db,
    stats: () => hub.stats(),
    close() {
      closing ??= (async () => {
        const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await hub.close(config.shutdownGraceMs);
        // Any HTTP request still running after the grace period is cut.
        server.closeAllConnections();
        await httpClosed;
        db.close();
      })();
      return closing;
    },
  };
}
