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
  /** Devices registered (a signature checked and the key recorded). */
  registrations = 0;
  /**
   * Challenges left unanswered because the address (or its /48) had used its registrations:
   * devices behind a busy NAT that stay connected unregistered, which no close code counts.
   */
  registrationsDeferred = 0;
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

/**
 * Counters of the offline-delivery parts: mailbox, Web Push and presence. Counts only; the
 * server never labels a series with a mailbox id, presence id or endpoint.
 */
export class DeliveryMetrics {
  /** Entries appended to mailboxes (201s). */
  mailboxAppends = 0;
  /** Sealed bytes appended to mailboxes. */
  mailboxAppendBytes = 0;
  /** Mailbox requests refused, by HTTP status (a fixed small set: 400…429). */
  readonly mailboxRefusals = new Map<number, number>();
  /** Expired entries removed by the periodic purge. */
  mailboxPurged = 0;
  /** Pushes the push service accepted (2xx). */
  pushesSent = 0;
  /** Pushes given up: 404/410, other 4xx, retries exhausted, or undeliverable. */
  pushesFailed = 0;
  /** Retries after 429, 5xx or a network failure. */
  pushesRetried = 0;
  /** Wake-ups not queued because the push queue was full. */
  pushesDropped = 0;
  /** Subscriptions deleted because their push service answered 404 or 410. */
  pushSubscriptionsRemoved = 0;
  /** `presence-state` frames sent to watchers. */
  presenceReports = 0;
  /** `mailbox-notice` frames sent to sockets watching a mailbox. */
  mailboxNotices = 0;

  recordMailboxRefusal(status: number): void {
    this.mailboxRefusals.set(status, (this.mailboxRefusals.get(status) ?? 0) + 1);
  }
}

/** Why the relay closed a socket: a fixed set, so metric series stay bounded. */
export type RelayCloseReason = 'unbound' | 'frame-too-big' | 'malformed' | 'rate' | 'node-capacity' | 'unknown-target' | 'slow-consumer';

/** Counters of the parts that help peers reach each other: STUN and the relay. */
export class NetworkMetrics {
  /** STUN Binding requests answered. */
  stunAnswered = 0;
  /** Datagrams that were not well-formed Binding requests (dropped unanswered). */
  stunIgnored = 0;
  /** Binding requests dropped because their source used its reflection budget. */
  stunLimited = 0;
  /** Relay frames forwarded. */
  relayFrames = 0;
  /** Relay bytes forwarded (frames, headers included). */
  relayBytes = 0;
  /** Relay frames to an address no socket holds (answered with relay-gone). */
  relayGone = 0;
  /** Sockets closed by a relay rule, by reason. */
  readonly relayCloses = new Map<RelayCloseReason, number>();
}

/** Live gauges of the relay. */
export interface RelayStats {
  /** Sockets holding a relay address. */
  readonly bound: number;
  /** Relay bytes queued towards receivers, not yet written. */
  readonly queuedBytes: number;
}

/** Live gauges of the offline-delivery parts. */
export interface DeliveryStats {
  /** Presence ids currently held by at least one socket. */
  readonly presenceOnline: number;
  /** (id, socket) watch pairs. */
  readonly presenceWatches: number;
  /** Deliveries queued, waiting for a retry, or in flight. */
  readonly pushPending: number;
  /** (mailbox, socket) live-notice watch pairs. */
  readonly mailboxWatches: number;
  /** Sealed bytes stored in all mailboxes, as last read (the storage cap's view). */
  readonly mailboxStoredBytes: number;
  /** Request body bytes reserved by uploads in progress. */
  readonly uploadReservedBytes: number;
}

function metric(lines: string[], name: string, type: 'gauge' | 'counter', help: string, samples: readonly (readonly [string, number])[]): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
}

/** What `/metrics` shows; parts a server does not have are left out. */
export interface MetricsSnapshot {
  readonly signal: SignalMetrics;
  readonly stats: SignalStats;
  readonly delivery?: { readonly metrics: DeliveryMetrics; readonly stats: DeliveryStats };
  readonly network?: { readonly metrics: NetworkMetrics; readonly relay: RelayStats };
}

/** Prometheus text exposition format 0.0.4. */
export function renderPrometheus({ signal: metrics, stats, delivery, network }: MetricsSnapshot): string {
  const lines: string[] = [];
  metric(lines, 'parley_signal_sockets', 'gauge', 'Open signaling WebSockets.', [['', stats.sockets]]);
  metric(lines, 'parley_signal_topics', 'gauge', 'Topics with at least one subscriber.', [['', stats.topics]]);
  metric(lines, 'parley_signal_subscriptions', 'gauge', 'Topic subscriptions across all sockets.', [['', stats.subscriptions]]);
  metric(lines, 'parley_signal_connections_total', 'counter', 'Signaling sockets accepted.', [['', metrics.connections]]);
  metric(lines, 'parley_signal_publishes_total', 'counter', 'Publish messages received.', [['', metrics.publishes]]);
  metric(lines, 'parley_signal_messages_relayed_total', 'counter', 'Frames relayed to subscribers.', [['', metrics.messagesRelayed]]);
  metric(lines, 'parley_signal_heartbeat_timeouts_total', 'counter', 'Sockets terminated after a missed ping.', [['', metrics.heartbeatTimeouts]]);
  metric(lines, 'parley_signal_registrations_total', 'counter', 'Devices registered.', [['', metrics.registrations]]);
  metric(lines, 'parley_signal_registrations_deferred_total', 'counter', 'Registration challenges left unanswered: the address had used its registrations.', [['', metrics.registrationsDeferred]]);
  const closes = [...metrics.closesByCode].sort(([a], [b]) => a.localeCompare(b)).map(([code, n]) => [`{code="${code}"}`, n] as const);
  metric(lines, 'parley_signal_closes_total', 'counter', 'Closed signaling sockets by close code.', closes);
  if (delivery) renderDelivery(lines, delivery.metrics, delivery.stats);
  if (network) renderNetwork(lines, network.metrics, network.relay);
  return `${lines.join('\n')}\n`;
}

function renderDelivery(lines: string[], m: DeliveryMetrics, s: DeliveryStats): void {
  metric(lines, 'parley_mailbox_appends_total', 'counter', 'Entries appended to mailboxes.', [['', m.mailboxAppends]]);
  metric(lines, 'parley_mailbox_append_bytes_total', 'counter', 'Sealed bytes appended to mailboxes.', [['', m.mailboxAppendBytes]]);
  const refusals = [...m.mailboxRefusals].sort(([a], [b]) => a - b).map(([status, n]) => [`{status="${status}"}`, n] as const);
  metric(lines, 'parley_mailbox_refusals_total', 'counter', 'Mailbox requests refused, by HTTP status.', refusals);
  metric(lines, 'parley_mailbox_notices_total', 'counter', 'mailbox-notice frames sent to watching sockets.', [['', m.mailboxNotices]]);
  metric(lines, 'parley_mailbox_watches', 'gauge', 'Mailbox watch pairs across all sockets.', [['', s.mailboxWatches]]);
  metric(lines, 'parley_mailbox_stored_bytes', 'gauge', 'Sealed bytes stored in all mailboxes.', [['', s.mailboxStoredBytes]]);
  metric(lines, 'parley_http_upload_reserved_bytes', 'gauge', 'Request body bytes reserved by uploads in progress.', [['', s.uploadReservedBytes]]);
  metric(lines, 'parley_mailbox_purged_total', 'counter', 'Expired mailbox entries purged.', [['', m.mailboxPurged]]);
  metric(lines, 'parley_push_sent_total', 'counter', 'Pushes accepted by push services.', [['', m.pushesSent]]);
  metric(lines, 'parley_push_failed_total', 'counter', 'Pushes given up.', [['', m.pushesFailed]]);
  metric(lines, 'parley_push_retried_total', 'counter', 'Push retries after 429, 5xx or network failures.', [['', m.pushesRetried]]);
  metric(lines, 'parley_push_dropped_total', 'counter', 'Wake-ups dropped because the push queue was full.', [['', m.pushesDropped]]);
  metric(lines, 'parley_push_subscriptions_removed_total', 'counter', 'Subscriptions deleted after a 404 or 410.', [['', m.pushSubscriptionsRemoved]]);
  metric(lines, 'parley_push_pending', 'gauge', 'Push deliveries queued, waiting to retry, or in flight.', [['', s.pushPending]]);
  metric(lines, 'parley_presence_online', 'gauge', 'Presence ids held by at least one socket.', [['', s.presenceOnline]]);
  metric(lines, 'parley_presence_watches', 'gauge', 'Presence watch pairs across all sockets.', [['', s.presenceWatches]]);
  metric(lines, 'parley_presence_reports_total', 'counter', 'presence-state frames sent.', [['', m.presenceReports]]);
}

function renderNetwork(lines: string[], n: NetworkMetrics, relay: RelayStats): void {
  metric(lines, 'parley_stun_answered_total', 'counter', 'STUN Binding requests answered.', [['', n.stunAnswered]]);
  metric(lines, 'parley_stun_ignored_total', 'counter', 'UDP datagrams on the STUN port that were not well-formed Binding requests.', [['', n.stunIgnored]]);
  metric(lines, 'parley_stun_limited_total', 'counter', 'STUN Binding requests dropped by the reflection budget.', [['', n.stunLimited]]);
  metric(lines, 'parley_relay_bound', 'gauge', 'Sockets holding a relay address.', [['', relay.bound]]);
  metric(lines, 'parley_relay_queued_bytes', 'gauge', 'Relay bytes queued towards receivers.', [['', relay.queuedBytes]]);
  metric(lines, 'parley_relay_frames_total', 'counter', 'Relay frames forwarded.', [['', n.relayFrames]]);
  metric(lines, 'parley_relay_bytes_total', 'counter', 'Relay bytes forwarded.', [['', n.relayBytes]]);
  metric(lines, 'parley_relay_gone_total', 'counter', 'Relay frames to an address no socket holds.', [['', n.relayGone]]);
  const closes = [...n.relayCloses].sort(([a], [b]) => a.localeCompare(b)).map(([reason, count]) => [`{reason="${reason}"}`, count] as const);
  metric(lines, 'parley_relay_closes_total', 'counter', 'Sockets closed by a relay rule, by reason.', closes);
}
