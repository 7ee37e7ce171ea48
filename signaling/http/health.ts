/**
 * Operational endpoints: `GET /healthz` for load balancers and `GET /metrics` for
 * Prometheus. They expose counts only, never topics or payloads.
 */
import { getRoute, respond, respondJson, type Route } from './router.js';
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
}

export function healthRoutes({ stats, metrics, delivery, network, backends }: HealthSources): Route[] {
  return [
    getRoute('/healthz', async (req, res) => {
      const { sockets, topics } = stats();
      const states = (await backends?.check()) ?? {};
      if (Object.keys(states).length === 0) return respondJson(req, res, 200, { ok: true, sockets, topics });
      const ok = Object.values(states).every((s) => s === 'up');
      respondJson(req, res, ok ? 200 : 503, { ok, sockets, topics, backends: states });
    }),
    getRoute('/metrics', (req, res) => {
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
