/**
 * The built-in STUN responder (RFC 8489 Binding over UDP): tells each browser the public
 * address and port its request came from, which is all ICE needs to find a direct path
 * through a cone NAT (docs/architecture.md §6).
 *
 * Reflection: a UDP responder can be aimed at a victim by spoofing the victim's address.
 * Browsers send 20-byte Binding requests (measured: Chromium and libwebrtc send no
 * attributes), and the smallest useful answer is 32 bytes (44 for IPv6), so a strict
 * "never more bytes than received" per datagram would break every browser. Instead the
 * responder keeps, per source address, a budget of bytes sent *beyond* bytes received:
 * a small burst and a slow refill. Once a source has used it, its requests are dropped
 * until it refills, so the most any victim receives is what was sent in its name plus
 * that refill rate; a second, node-wide budget bounds the sum over all sources.
 */
import dgram from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { ServerStartError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { NetworkMetrics } from '../metrics.js';
import { KeyedBuckets, TokenBucket } from '../rate-limit.js';
import { encodeBindingSuccess, parseBindingRequest, type MappedAddress } from './message.js';

/** Reflection budget: bytes answered beyond bytes received. */
export interface StunLimits {
  /** Per source address: burst of extra bytes (a browser's first requests). */
  readonly stunExcessBurstBytes: number;
  /** Per source address: extra bytes per second after the burst. */
  readonly stunExcessBytesPerSecond: number;
  /** The whole node: extra bytes per second across all sources. */
  readonly stunTotalExcessBytesPerSecond: number;
  /** Source addresses tracked at once; past it the oldest entry is forgotten. */
  readonly stunMaxTrackedAddresses: number;
}

export interface StunResponderOptions {
  /** UDP port; 0 picks a free one. */
  readonly port: number;
  /** Bind address; undefined binds every interface (dual-stack where the OS allows). */
  readonly host: string | undefined;
  readonly limits: StunLimits;
  readonly metrics: NetworkMetrics;
  readonly logger: Logger;
}

export interface StunResponder {
  /** The bound UDP port. */
  readonly port: number;
  /** Stops answering and releases the port. Idempotent. */
  close(): Promise<void>;
}

/** The family and text form a response reports, with IPv4-mapped IPv6 shown as IPv4. */
export function mappedAddressOf(rinfo: dgram.RemoteInfo): MappedAddress {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(rinfo.address);
  if (mapped) return { family: 4, address: mapped[1]!, port: rinfo.port };
  return { family: rinfo.family === 'IPv6' ? 6 : 4, address: rinfo.address, port: rinfo.port };
}

function bind(socket: dgram.Socket, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, ...(host === undefined ? {} : { address: host }), exclusive: true }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/** Opens the socket: IPv6 dual-stack on every interface, IPv4 when the host has no IPv6. */
async function open(port: number, host: string | undefined): Promise<dgram.Socket> {
  if (host !== undefined) {
    const socket = dgram.createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    await bind(socket, port, host);
    return socket;
  }
  const dual = dgram.createSocket({ type: 'udp6', ipv6Only: false });
  try {
    await bind(dual, port, '::');
    return dual;
  } catch (err) {
    dual.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL') throw err;
  }
  const v4 = dgram.createSocket('udp4');
  await bind(v4, port, '0.0.0.0');
  return v4;
}

export async function startStunResponder({ port, host, limits, metrics, logger }: StunResponderOptions): Promise<StunResponder> {
  let socket: dgram.Socket;
  try {
    socket = await open(port, host);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'unknown';
    throw new ServerStartError(`cannot bind the STUN responder to udp ${host ?? '*'}:${port} (${code}); set STUN_PORT to a free port, or 0 to turn STUN off`, { cause });
  }
  const budgets = new KeyedBuckets(limits.stunExcessBurstBytes, limits.stunExcessBytesPerSecond, limits.stunMaxTrackedAddresses);
  const total = new TokenBucket(limits.stunTotalExcessBytesPerSecond, limits.stunTotalExcessBytesPerSecond);

  socket.on('message', (datagram, rinfo) => {
    const transactionId = parseBindingRequest(datagram);
    if (transactionId === null || rinfo.port === 0) {
      metrics.stunIgnored++;
      return;
    }
    const mapped = mappedAddressOf(rinfo);
    if (!(mapped.family === 4 ? isIPv4(mapped.address) : isIPv6(mapped.address))) {
      metrics.stunIgnored++;
      return;
    }
    const response = encodeBindingSuccess(transactionId, mapped);
    const excess = response.length - datagram.length;
    if (excess > 0 && !(budgets.take(mapped.address, excess) && total.take(excess))) {
      metrics.stunLimited++;
      return;
    }
    metrics.stunAnswered++;
    // A send can fail for an unroutable source; that is the requester's problem, not ours.
    socket.send(response, rinfo.port, rinfo.address, () => {});
  });
  // After binding, errors are per datagram (ICMP feedback and the like): log and go on.
  socket.on('error', (err: NodeJS.ErrnoException) => logger.warn('stun socket error', { code: err.code ?? err.name }));

  const bound = socket.address().port;
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    close() {
      closing ??= new Promise((resolve) => socket.close(() => resolve()));
      return closing;
    },
  };
}
