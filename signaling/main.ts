/**
 * Entry point: `tsx signaling/main.ts`. Reads the environment, starts the server, prints
 * exactly one line to stdout (scripts and tests parse it for the port), and shuts down
 * gracefully on SIGTERM/SIGINT. Logs go to stderr.
 *
 * Environment: PORT (8787; 0 = any free port), HOST (all interfaces), STATIC_DIR (dist),
 * DATA_DIR (./data), ALLOWED_ORIGINS (comma-separated; unset = any), ICE_SERVERS (JSON
 * array; default []), STUN_PORT (3478; 0 = off), PUBLIC_HOST (unset: the request's Host),
 * TURN_URLS + TURN_SECRET (coturn use-auth-secret; unset = no TURN), TURN_TTL_SECONDS (86400),
 * MAX_SOCKETS_PER_IP (64), MAX_SOCKETS (10000), PING_INTERVAL_MS
 * (30000), SHUTDOWN_GRACE_MS (3000), TRUST_PROXY (false).
 * Mailbox: MAILBOX_TTL_MS (30 days), MAILBOX_PURGE_INTERVAL_MS (600000),
 * MAILBOX_MAX_ENTRY_BYTES (8 MiB), MAILBOX_MAX_BYTES (64 MiB), MAILBOX_MAX_ENTRIES (10000).
 * Push: VAPID_SUBJECT (mailto:admin@localhost), PUSH_TTL_SECONDS (86400),
 * PUSH_ALLOW_LOOPBACK_HTTP (false; tests with a local push service only), PUSH_ENDPOINT_HOSTS
 * (comma-separated hosts or *.domain patterns push endpoints may name; default: FCM,
 * Mozilla, Apple and Windows push services; * = any https host).
 * Scale-out (docs/architecture.md §6): DATABASE_URL (PostgreSQL; unset = SQLite in DATA_DIR),
 * REDIS_URL (unset = in-memory pub/sub), NODE_ID (host name and pid; in every log line).
 */
import { configFromEnv, resolveConfig } from './config.js';
import { ConfigError } from './errors.js';
import { createStreamLogger } from './logger.js';
import { createParleyServer } from './server.js';

async function main(): Promise<void> {
  const init = configFromEnv(process.env);
  // Every line names its node, so logs of several nodes can be merged and still read.
  const { nodeId } = resolveConfig(init);
  const logger = createStreamLogger(process.stderr, { node: nodeId });
  const server = await createParleyServer({ ...init, nodeId, logger });
  process.stdout.write(`Parley server listening on ${server.url}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // Backstop in case something refuses to close; exits non-zero so it gets noticed.
    setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, server.config.shutdownGraceMs + 5000).unref();
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { name: err instanceof Error ? err.name : 'unknown' });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`Configuration error: ${err.message}\n`);
    process.exit(2);
  }
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  process.stderr.write(`Failed to start: ${err instanceof Error ? err.message : String(err)}${cause}\n`);
  process.exit(1);
});
