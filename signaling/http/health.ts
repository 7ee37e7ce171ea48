/**
 * Operational endpoints: `GET /healthz` for load balancers and `GET /metrics` for
 * Prometheus. They expose counts only, never topics or payloads. Even counts help an
 * observer (when sockets and relay bytes rise, who is talking), so `/metrics` answers only
 * `Authorization: Bearer $METRICS_TOKEN` and is off (404) when no token is set.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { singleHeader } from './params.js';
import { getRoute, respond, respondApiError, respondJson, respondText, type Route } from './router.js';
import type { BackendHealth } from './backend-health.js';
import { renderPrometheus, type DeliveryMetrics, type DeliveryStats, type NetworkMetrics, type RelayStats, type SignalMetrics, type SignalStats } from '../metrics.js';

export interface HealthSources {
  /** Current gauges, read on every request. */
  readonly stats: () => SignalStats;
  /** Counters of the signaling endpoint. */
  readonly metrics: SignalMetrics;
  /** Mailbox, push and presence counters and gauges, when the server has them. */
  readonly delivery?: { readonly metrics: DeliveryMetrics; readonly stats: () => DeliveryStats };
  /** STUN and relay counters and relay gauges, when the server has them. */
  readonly network?: { readonly metrics: NetworkMetrics; readonly relay: () => RelayStats };
  /** Shared backends (PostgreSQL, Redis): `/healthz` is 503 while one is down. */
  readonly backends?: Pick<BackendHealth, 'check' | 'metricLines'>;
  /** `METRICS_TOKEN`; undefined turns `/metrics` off. */
  readonly metricsToken: string | undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time check of `Authorization: Bearer <token>`. */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const token = header === undefined ? undefined : /^bearer +(\S+)$/i.exec(header)?.[1];
  return token !== undefined && timingSafeEqual(digest(token), expected);
}

export function healthRoutes({ stats, metrics, delivery, network, backends, metricsToken }: HealthSources): Route[] {
  const expected = metricsToken === undefined ? null : digest(metricsToken);
  return [
    getRoute('/healthz', async (req, res) => {
      const { sockets, topics } = stats();
      const states = (await backends?.check()) ?? {};
      if (Object.keys(states).length === 0) return respondJson(req, res, 200, { ok: true, sockets, topics });
      const ok = Object.values(states).every((s) => s === 'up');
      respondJson(req, res, ok ? 200 : 503, { ok, sockets, topics, backends: states });
    }),
    getRoute('/metrics', (req, res) => {
      if (expected === null) return respondText(req, res, 404, 'Not Found\n');
      if (!bearerMatches(singleHeader(req.headers.authorization), expected)) {
        return respondApiError(req, res, 401, 'unauthorized', 'send Authorization: Bearer <METRICS_TOKEN>', { 'WWW-Authenticate': 'Bearer' });
      }
      respond(
        req,
        res,
        200,
        { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' },
        renderPrometheus({
          signal: metrics,
          stats: stats(),
          ...(delivery ? { delivery: { metrics: delivery.metrics, stats: delivery.stats() } } : {}),
          ...(network ? { network: { metrics: network.metrics, relay: network.relay() } } : {}),
        }) + backendLines(backends),
      );
    }),
  ];
}

function backendLines(backends: HealthSources['backends']): string {
  const lines = backends?.metricLines() ?? [];
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
