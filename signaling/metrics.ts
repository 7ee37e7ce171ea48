/**
 * Counters for the signaling endpoint. One instance per server (no module-level state),
 * read by `/metrics` and by tests.
 */
import { CloseCodes } from '../src/core/wire/signaling.js';

/**
 * Close codes reported under their own label. Clients may close with any of ~2,000 valid
 * codes; counting each separately would let one client mint unbounded metric series.
 */
const LABELLED_CLOSE_CODES: ReadonlySet<number> = new Set<number>([...Object.values(CloseCodes), 1002, 1005, 1006, 1011]);

/** Live gauges the hub reports on demand. */
export interface SignalStats {
  /** Open signaling sockets (accepted, not yet closed). */
  readonly sockets: number;
  /** Topics with at least one subscriber. */
  readonly topics: number;
  /** (topic, socket) subscription pairs. */
  readonly subscriptions: number;
}

export class SignalMetrics {
  /** Sockets accepted onto `/signal` since start. */
  connections = 0;
  /** Publish messages accepted from clients. */
  publishes = 0;
  /** Frames sent to receivers because of publishes (one publish to n subscribers adds n). */
  messagesRelayed = 0;
  /** Sockets terminated for not answering a ping. */
  heartbeatTimeouts = 0;
  /**
   * Closes by close code: the code the server sent, or the one the client sent first.
   * Codes outside a fixed known set are counted under `"other"`.
   */
  readonly closesByCode = new Map<string, number>();

  recordClose(code: number): void {
    const label = LABELLED_CLOSE_CODES.has(code) ? String(code) : 'other';
    this.closesByCode.set(label, (this.closesByCode.get(label) ?? 0) + 1);
  }

  /** Closes counted under `code` (a number, or `'other'`). */
  closes(code: number | 'other'): number {
    return this.closesByCode.get(String(code)) ?? 0;
  }
}

function metric(lines: string[], name: string, type: 'gauge' | 'counter', help: string, samples: readonly (readonly [string, number])[]): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
}

/** Prometheus text exposition format 0.0.4. */
export function renderPrometheus(metrics: SignalMetrics, stats: SignalStats): string {
  const lines: string[] = [];
  metric(lines, 'parley_signal_sockets', 'gauge', 'Open signaling WebSockets.', [['', stats.sockets]]);
  metric(lines, 'parley_signal_topics', 'gauge', 'Topics with at least one subscriber.', [['', stats.topics]]);
  metric(lines, 'parley_signal_subscriptions', 'gauge', 'Topic subscriptions across all sockets.', [['', stats.subscriptions]]);
  metric(lines, 'parley_signal_connections_total', 'counter', 'Signaling sockets accepted.', [['', metrics.connections]]);
  metric(lines, 'parley_signal_publishes_total', 'counter', 'Publish messages received.', [['', metrics.publishes]]);
  metric(lines, 'parley_signal_messages_relayed_total', 'counter', 'Frames relayed to subscribers.', [['', metrics.messagesRelayed]]);
  metric(lines, 'parley_signal_heartbeat_timeouts_total', 'counter', 'Sockets terminated after a missed ping.', [['', metrics.heartbeatTimeouts]]);
  const closes = [...metrics.closesByCode].sort(([a], [b]) => a.localeCompare(b)).map(([code, n]) => [`{code="${code}"}`, n] as const);
  metric(lines, 'parley_signal_closes_total', 'counter', 'Closed signaling sockets by close code.', closes);
  return `${lines.join('\n')}\n`;
}
