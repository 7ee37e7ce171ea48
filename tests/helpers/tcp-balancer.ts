/**
 * A small TCP load balancer for cluster tests: each connection goes to the first backend in
 * its preference order that accepts it, and bytes are piped both ways untouched (HTTP and
 * WebSocket upgrades alike). When a backend dies its connections drop, and the clients'
 * reconnects land on the next live backend: the failover a real balancer does.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpBalancer {
  private readonly sockets = new Set<Socket>();
  /** Connections handed to each backend port, for assertions. */
  readonly routed = new Map<number, number>();
  private saved: number[] | null = null;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    /** Backend ports in order of preference. */
    public backends: number[],
  ) {}

  get url(): string {
    return `http://localhost:${this.port}`;
  }

  static async start(backends: number[]): Promise<TcpBalancer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const balancer = new TcpBalancer(server, typeof address === 'object' && address ? address.port : 0, backends);
    server.on('connection', (client) => balancer.route(client));
    return balancer;
  }

  private route(client: Socket): void {
    this.track(client);
    client.pause();
    const tryNext = (i: number): void => {
      const port = this.backends[i];
      if (port === undefined || client.destroyed) return void client.destroy();
      const upstream = createConnection({ port, host: '127.0.0.1' });
      upstream.once('error', () => {
        upstream.destroy();
        // Refused before anything was sent: try the next backend.
        tryNext(i + 1);
      });
      upstream.once('connect', () => {
        this.track(upstream);
        this.routed.set(port, (this.routed.get(port) ?? 0) + 1);
        upstream.removeAllListeners('error');
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryNext(0);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => this.sockets.delete(socket));
  }

  /**
   * A network partition: every connection through here drops and new ones are refused
   * until `heal()` (clients see the server go away, as when their network does).
   */
  cut(): void {
    this.saved ??= this.backends;
    this.backends = [];
    for (const s of this.sockets) s.destroy();
  }

  heal(): void {
    if (this.saved) this.backends = this.saved;
    this.saved = null;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
