/**
 * Settings of the HTTP side against strangers (docs/architecture.md §6.5): request timeouts,
 * uploads held in memory, per-address mailbox rates, the server-wide mailbox cap, `/metrics`.
 * Part of {@link ParleyServerConfig} (`config.ts`).
 */
import { ConfigError } from './errors.js';
import type { UploadGateLimits } from './http/upload-gate.js';
import type { MailboxRateLimits } from './mailbox/admission.js';

/** The HTTP side against strangers: slowloris, stalled uploads, disk (docs/architecture.md §6). */
export interface HttpConfig extends UploadGateLimits, MailboxRateLimits {
  /** A request must have sent all its headers within this long. */
  readonly httpHeadersTimeoutMs: number;
  /** A request must have been received whole (headers and body) within this long. */
  readonly httpRequestTimeoutMs: number;
  /** An upload that sends no body byte for this long is cut with 408. */
  readonly httpBodyIdleTimeoutMs: number;
  /** `MAILBOX_MAX_TOTAL_BYTES`: sealed bytes all mailboxes together may hold; past it appends get 507. */
  readonly mailboxMaxTotalBytes: number;
  /** `METRICS_TOKEN`: bearer token for `/metrics`; undefined turns `/metrics` off. */
  readonly metricsToken: string | undefined;
  /** `SERVE_SOURCEMAPS`: serve `*.map` files from the static directory. */
  readonly serveSourcemaps: boolean;
}

/** The defaults of {@link HttpConfig}. */
export function httpDefaults(): HttpConfig {
  return {
    // A 25 MB file at once, then 1 MiB/s per address.
    mailboxBlobBurstBytes: 64 * 1024 * 1024,
    mailboxBlobBytesPerSecond: 1024 * 1024,
    // Many people may share one address (NAT), so bursts are generous; the steady rates
    // bound a stranger: 2 appends, 512 KiB and one new mailbox per 10 s, per address.
    mailboxAppendBurst: 120,
    mailboxAppendsPerSecond: 2,
    mailboxAppendBurstBytes: 32 * 1024 * 1024,
    mailboxAppendBytesPerSecond: 512 * 1024,
    mailboxCreateBurst: 20,
    mailboxCreatesPerSecond: 0.1,
    rateLimitMaxAddresses: 50_000,
    // Eight full-size entries in memory at once, at most four from one address.
    uploadMaxInFlightBytes: 64 * 1024 * 1024,
    uploadMaxPerAddress: 4,
    httpHeadersTimeoutMs: 20_000,
    // An 8 MiB entry over a 1 Mbit/s uplink takes about 70 s.
    httpRequestTimeoutMs: 120_000,
    httpBodyIdleTimeoutMs: 30_000,
    mailboxMaxTotalBytes: 4 * 1024 * 1024 * 1024,
    metricsToken: undefined,
    serveSourcemaps: false,
  };
}

/** Limits that together could never admit one full-size entry are a mistake, said at start. */
export function validateHttp(c: HttpConfig & { readonly maxEntryBytes: number }): void {
  if (c.mailboxAppendBurstBytes < c.maxEntryBytes || c.uploadMaxInFlightBytes < c.maxEntryBytes) {
    throw new ConfigError('mailboxAppendBurstBytes and uploadMaxInFlightBytes must be at least maxEntryBytes');
  }
  if (c.httpHeadersTimeoutMs >= c.httpRequestTimeoutMs) throw new ConfigError('httpHeadersTimeoutMs must be less than httpRequestTimeoutMs');
  if (c.metricsToken !== undefined && c.metricsToken.length < 16) throw new ConfigError('METRICS_TOKEN must be at least 16 characters');
}
