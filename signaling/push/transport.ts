/**
 * Sends one prepared Web Push request (RFC 8030 §5) over HTTP(S) and reports the status.
 *
 * Why not `web-push`'s own `sendNotification`: it always uses `https.request` (so a local
 * test push service on plain http cannot be reached) and it buffers the whole response
 * body, which a hostile "push service" registered by anyone could stream forever. The
 * payload encryption and the VAPID JWT still come from `web-push`
 * (`generateRequestDetails`); only the HTTP exchange is ours: a hard deadline, no
 * redirects, and at most a few KiB of response read.
 */
import http from 'node:http';
import https from 'node:https';
import { singleHeader } from '../http/params.js';
import type { AttemptResult } from './retry.js';

/** A request as `web-push`'s `generateRequestDetails` prepares it. */
export interface PushRequest {
  /** The subscription's endpoint URL. */
  readonly endpoint: string;
  /** TTL, Content-Encoding, Authorization (VAPID), Urgency, Content-Length… */
  readonly headers: Readonly<Record<string, string | number>>;
  /** The aes128gcm-encrypted payload. */
  readonly body: Buffer | null;
}

/** A try's result, plus the error code when no response arrived (for logs, never the URL). */
export interface PushAttemptResult extends AttemptResult {
  readonly code?: string;
}

export interface PushTransport {
  /** Sends one request; resolves (never rejects) with status 0 on network failure or abort. */
  send(request: PushRequest, signal: AbortSignal): Promise<PushAttemptResult>;
  /** Closes pooled connections. */
  close(): void;
}

export interface HttpPushTransportOptions {
  /** The whole exchange, connect to last response byte, is cut after this long. */
  readonly timeoutMs: number;
  /** Parallel connections per push service host. */
  readonly maxSocketsPerHost?: number;
}

/** Push services answer 201 with an empty or tiny body; anything past this is cut. */
const MAX_RESPONSE_BYTES = 4096;

export function createHttpPushTransport({ timeoutMs, maxSocketsPerHost = 16 }: HttpPushTransportOptions): PushTransport {
  // Keep-alive: a burst of pushes to one push service (FCM, Mozilla) reuses connections.
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: maxSocketsPerHost }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: maxSocketsPerHost }),
  };

  return {
    send(request, signal) {
      return new Promise((resolve) => {
        let url: URL;
        try {
          url = new URL(request.endpoint);
        } catch {
          return resolve({ status: 0, code: 'EBADURL' });
        }
        const protocol = url.protocol === 'https:' || url.protocol === 'http:' ? url.protocol : null;
        if (protocol === null) return resolve({ status: 0, code: 'EBADURL' });
        let settled = false;
        const finish = (result: PushAttemptResult): void => {
          if (settled) return;
          settled = true;
          resolve(result);
        };
        const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
        const send = protocol === 'https:' ? https.request : http.request;
        const req = send(url, { method: 'POST', headers, agent: agents[protocol], signal }, (res) => {
          finish({ status: res.statusCode ?? 0, retryAfter: singleHeader(res.headers['retry-after']) });
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_RESPONSE_BYTES) res.destroy();
          });
          res.on('error', () => {});
        });
        // Covers the response body too: a trickling answer cannot pin a socket.
        const deadline = setTimeout(() => req.destroy(Object.assign(new Error('push request timed out'), { code: 'ETIMEDOUT' })), timeoutMs);
        deadline.unref();
        req.once('close', () => clearTimeout(deadline));
        req.on('error', (err: NodeJS.ErrnoException) => finish({ status: 0, code: err.code ?? err.name }));
        req.end(request.body ?? undefined);
      });
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
