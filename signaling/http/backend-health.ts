/**
 * Health of the shared backends for `/healthz` and `/metrics` (docs/architecture.md §6).
 * A node whose PostgreSQL or Redis is unreachable answers `/healthz` with 503, so a load
 * balancer sends new clients to a node that can serve them; it keeps running and recovers
 * by itself. A background ping every few seconds keeps the latency histograms meaningful
 * on an idle node. With the embedded defaults there is nothing to check.
 */
import type { ServerLinks, ServerStores } from '../backends.js';
import type { Logger } from '../logger.js';

export type BackendState = 'up' | 'down';

export interface BackendHealth {
  /** Checks each configured backend now (PostgreSQL: one `SELECT 1`, at most `timeoutMs`). */
  check(): Promise<Readonly<Record<string, BackendState>>>;
  /** Prometheus lines: latency histograms, fan-out counters, up gauges. */
  metricLines(): string[];
  /** Stops the background ping. */
  stop(): void;
}

export interface BackendHealthOptions {
  readonly stores: Pick<ServerStores, 'postgres'>;
  readonly links: Pick<ServerLinks, 'fanout'>;
  readonly logger: Logger;
  /** Background ping period. */
  readonly intervalMs?: number;
  /** A check slower than this counts as down. */
  readonly timeoutMs?: number;
}

function withTimeout(op: Promise<void>, ms: number): Promise<BackendState> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('down'), ms);
    op.then(
      () => resolve('up'),
      () => resolve('down'),
    ).finally(() => clearTimeout(timer));
  });
}

export function backendHealth({ stores, links, logger, intervalMs = 5000, timeoutMs = 1000 }: BackendHealthOptions): BackendHealth {
  const { postgres } = stores;
  const { fanout } = links;
  const last: Record<string, BackendState> = {};

  const check = async (): Promise<Record<string, BackendState>> => {
    const out: Record<string, BackendState> = {};
    if (postgres) out.postgres = await withTimeout(postgres.ping(), timeoutMs);
    // Redis: both connections must be up (the subscriber is what makes this node hear others).
    if (fanout) out.redis = fanout.ready() ? await withTimeout(fanout.ping(), timeoutMs) : 'down';
    for (const [name, state] of Object.entries(out)) {
      if (last[name] !== undefined && last[name] !== state) logger[state === 'up' ? 'info' : 'warn'](`${name} is ${state}`);
      last[name] = state;
    }
    return out;
  };

  const timer = postgres || fanout ? setInterval(() => void check(), intervalMs) : undefined;
  timer?.unref();

  return {
    check,
    metricLines() {
      const lines: string[] = [];
      const up = Object.entries(last).map(([name, state]) => `parley_backend_up{backend="${name}"} ${state === 'up' ? 1 : 0}`);
      if (up.length > 0) lines.push('# HELP parley_backend_up Shared backend reachable at the last check.', '# TYPE parley_backend_up gauge', ...up);
      if (postgres) lines.push(...postgres.latency.render());
      if (fanout) {
        lines.push(...fanout.latency.render());
        const c = fanout.counters;
        for (const [name, help, value] of [
          ['parley_redis_published_total', 'Messages published to other nodes.', c.published],
          ['parley_redis_publish_errors_total', 'Publishes dropped while Redis was unreachable.', c.publishErrors],
          ['parley_redis_received_total', 'Messages received from other nodes.', c.received],
        ] as const) {
          lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
        }
        lines.push('# HELP parley_redis_channels Redis channels this node is subscribed to.', '# TYPE parley_redis_channels gauge', `parley_redis_channels ${fanout.channelCount}`);
      }
      return lines;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
