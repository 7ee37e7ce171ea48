/**
 * Operational endpoints: `GET /healthz` for load balancers and `GET /metrics` for
 * Prometheus. They expose counts only, never topics or payloads.
 */
import { getRoute, respond, respondJson, type Route } from './router.js';
import { renderPrometheus, type DeliveryMetrics, type DeliveryStats, type NetworkMetrics, type SignalMetrics, type SignalStats } from '../metrics.js';

export interface HealthSources {
  /** Current gauges, read on every request. */
  readonly stats: () => SignalStats;
  /** Counters of the signaling endpoint. */
  readonly metrics: SignalMetrics;
  /** Mailbox, push and presence counters and gauges, when the server has them. */
  readonly delivery?: { readonly metrics: DeliveryMetrics; readonly stats: () => DeliveryStats };
  /** STUN and relay counters, when the server has them. */
  readonly network?: NetworkMetrics;
}

export function healthRoutes({ stats, metrics, delivery, network }: HealthSources): Route[] {
  return [
    getRoute('/healthz', (req, res) => {
      const { sockets, topics } = stats();
      respondJson(req, res, 200, { ok: true, sockets, topics });
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
          ...(network ? { network } : {}),
        }),
      );
    }),
  ];
}
