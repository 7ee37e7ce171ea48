/**
 * A local RFC 8030 push service on loopback: records every push request it receives and
 * answers as each endpoint is scripted to (201 by default; or 404, 410, 429 with
 * `Retry-After`, 500…). Endpoint URLs are `http://127.0.0.1:<port>/push/<name>`.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedPush {
  /** The endpoint name (last path segment). */
  readonly name: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Arrival time, `performance.now()` ms. */
  readonly at: number;
}

export interface PushReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Record the request but never answer it (a stalled push service). */
  readonly hang?: boolean;
}

interface Waiter {
  readonly name: string;
  readonly resolve: (push: RecordedPush) => void;
}

export class PushEndpoint {
  /** Every request, in arrival order. */
  readonly received: RecordedPush[] = [];
  private readonly scripts = new Map<string, PushReply[]>();
  private readonly taken = new Map<string, number>();
  private waiters: Waiter[] = [];
  private messageIds = 0;
  /** Per endpoint name: hanging requests whose sender gave up on them (closed the connection). */
  private readonly abandonedBy = new Map<string, number>();

  private constructor(
    private readonly server: http.Server,
    /** `http://127.0.0.1:<port>`: the VAPID `aud` the server must sign for. */
    readonly origin: string,
  ) {}

  static async start(): Promise<PushEndpoint> {
    const created: { endpoint?: PushEndpoint } = {};
    const server = http.createServer((req, res) => created.endpoint?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    created.endpoint = new PushEndpoint(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return created.endpoint;
  }

  /** The endpoint URL for `name`. */
  url(name: string): string {
    return `${this.origin}/push/${name}`;
  }

  /** The next requests to `name` get these replies in order; after them, 201. */
  script(name: string, replies: readonly PushReply[]): void {
    this.scripts.set(name, [...replies]);
  }

  /** How many hanging requests to `name` the sender abandoned (closed before an answer). */
  abandoned(name: string): number {
    return this.abandonedBy.get(name) ?? 0;
  }

  /** Requests received by `name`. */
  requests(name: string): RecordedPush[] {
    return this.received.filter((p) => p.name === name);
  }

  /** The next request to `name` not yet returned by an earlier call (waits for it). */
  next(name: string, timeoutMs = 5000): Promise<RecordedPush> {
    const index = this.taken.get(name) ?? 0;
    this.taken.set(name, index + 1);
    const ready = this.requests(name)[index];
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no push reached ${name} within ${timeoutMs} ms`)), timeoutMs);
      const waiter: Waiter = {
        name,
        resolve: (push) => {
          clearTimeout(timer);
          resolve(push);
        },
      };
      this.waiters.push(waiter);
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const name = (req.url ?? '').split('/').at(-1) ?? '';
      const push: RecordedPush = { name, headers: req.headers, body: Buffer.concat(chunks), at: performance.now() };
      this.received.push(push);
      const reply: PushReply = this.scripts.get(name)?.shift() ?? { status: 201, headers: { Location: `/message/${++this.messageIds}` } };
      if (!reply.hang) {
        res.writeHead(reply.status, reply.headers ?? {});
        res.end();
      } else {
        res.on('close', () => this.abandonedBy.set(name, this.abandoned(name) + 1));
      }
      // Resolve waiters in the order they asked, each with the request at its own index.
      const forName = this.waiters.filter((w) => w.name === name);
      const first = forName[0];
      if (first) {
        this.waiters = this.waiters.filter((w) => w !== first);
        first.resolve(push);
      }
    });
  }
}
