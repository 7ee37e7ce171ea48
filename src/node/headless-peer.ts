/**
 * The Node composition root: a Parley peer without a browser, built from the same client,
 * sync engine and core as the app (src/main.ts wires the browser's), with `ws` for the
 * signaling socket, @roamhq/wrtc for WebRTC data channels, the server's blind relay when no
 * direct path opens, and the blind mailbox for members who are offline. Storage is whatever
 * implements the store seams: the profile's SQLite stores for the CLI and bots, memory in
 * tests and benchmarks.
 *
 * Teardown: @roamhq/wrtc has crashed the process when peer connections were closed right
 * before it exited. `destroy()` therefore makes no connection once it has begun, closes
 * every connection and waits until wrtc has delivered each one's last events (`quiet` in
 * node/wrtc.ts, which holds the connections until then).
 */
import { WebSocket } from 'ws';
import { accountHandshake } from '../client/account-handshake.js';
import { ClientFiles, DEFAULT_MAX_FILE_BYTES } from '../client/files/client-files.js';
import { ParleyClient } from '../client/parley-client.js';
import { VerifyKeyCache } from '../core/identity/keys.js';
import { safetyNumber } from '../core/identity/safety-number.js';
import { errorField, silentLogger, type Logger } from '../core/logger.js';
import { DeferredTransport } from '../net/deferred-transport.js';
import { MailboxClient } from '../net/mailbox-client.js';
import { Mesh } from '../net/mesh.js';
import { SignalingClient, type SocketLike } from '../net/signaling-client.js';
import type { SimplePeerTransport } from '../net/simple-peer-transport.js';
import { MemoryChunkStore, type ChunkStore } from '../store/chunk-store.js';
import type { MailboxStateStore } from '../store/mailbox-state.js';
import type { AccountStore, ConversationStore, DocStore, OutboxStore } from '../store/types.js';
import { allQuiet, loadWrtc, quiet } from './wrtc.js';

/** The store seams a headless peer needs. */
export interface HeadlessStores {
  readonly accounts: AccountStore;
  readonly conversations: ConversationStore;
  readonly outbox: OutboxStore;
  readonly docs: DocStore;
  readonly mailboxState: MailboxStateStore;
  /** Files' sealed chunks: what this peer sent and serves (memory when not given). */
  readonly chunks?: ChunkStore;
}

export interface HeadlessPeerOptions {
  /** The Parley server, e.g. `https://parley.example.org`. */
  readonly serverUrl: string;
  readonly stores: HeadlessStores;
  /** Base of invite and contact links; the server's own address by default (it serves the app). */
  readonly appUrl?: string;
  /** Accounts this peer creates are bots (their signed member records say so). */
  readonly bot?: boolean;
  /** How this device appears in its user's device list. */
  readonly deviceLabel?: string;
  readonly logger?: Logger;
  /** STUN/TURN servers; by default those the server's `/api/config` hands out. */
  readonly iceServers?: readonly RTCIceServer[];
  /** False: no WebRTC at all, every link goes through the server's relay. */
  readonly direct?: boolean;
  /**
   * 'relay': WebRTC gathers only TURN candidates, so without a TURN server no direct path
   * ever opens although every link tries one (how tests stand in for symmetric NATs).
   */
  readonly iceTransportPolicy?: RTCIceTransportPolicy;
  /** False: never fall back to the relay (links need a direct path). */
  readonly relay?: boolean;
  /** False: no blind mailbox (writes reach only members online at the time). */
  readonly mailbox?: boolean;
  readonly now?: () => number;
  /** How often a device may rewrite its receipt, in ms (tests shorten it). */
  readonly receiptEveryMs?: number;
  /** How often topics without peers announce again (the mesh's default otherwise). */
  readonly reannounceMs?: number;
}

/** What a peer takes from the server's `/api/config`. */
export interface ServerConfig {
  readonly iceServers: RTCIceServer[];
  /** Largest file members send (the server's `MAX_FILE_BYTES`). */
  readonly maxFileBytes: number;
  /** Largest file the mailbox keeps for offline members (`MAILBOX_MAX_FILE_BYTES`; 0: none). */
  readonly mailboxMaxFileBytes: number;
}

/** What the server's `/api/config` says; an unreachable server gives no ICE servers and the default file cap. */
export async function fetchServerConfig(serverUrl: string): Promise<ServerConfig> {
  const config: { iceServers: RTCIceServer[]; maxFileBytes: number; mailboxMaxFileBytes: number } = { iceServers: [], maxFileBytes: DEFAULT_MAX_FILE_BYTES, mailboxMaxFileBytes: 0 };
  try {
    const res = await fetch(new URL('/api/config', serverUrl), { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return config;
    const body = (await res.json()) as { iceServers?: unknown; maxFileBytes?: unknown; mailboxMaxFileBytes?: unknown };
    if (Array.isArray(body.iceServers)) config.iceServers = body.iceServers as RTCIceServer[];
    if (typeof body.maxFileBytes === 'number' && Number.isSafeInteger(body.maxFileBytes) && body.maxFileBytes > 0) config.maxFileBytes = body.maxFileBytes;
    if (typeof body.mailboxMaxFileBytes === 'number' && Number.isSafeInteger(body.mailboxMaxFileBytes) && body.mailboxMaxFileBytes >= 0) config.mailboxMaxFileBytes = body.mailboxMaxFileBytes;
  } catch {
    // Unreachable now: the defaults hold; the signaling client keeps retrying the server.
  }
  return config;
}

export class HeadlessPeer {
  readonly signaling: SignalingClient;
  readonly mesh: Mesh;
  readonly client: ParleyClient;
  /** Files, with the browser's own code: sending, serving to members, progress. */
  readonly files: ClientFiles;
  readonly verifyKeys = new VerifyKeyCache();
  /** WebRTC transports made and not quiet yet, each with its connection. */
  private readonly transports = new Map<SimplePeerTransport, RTCPeerConnection | null>();
  private destroyed = false;

  /** Wires the parts; nothing connects until `start()`. */
  constructor(
    readonly options: HeadlessPeerOptions,
    config: ServerConfig,
  ) {
    const iceServers = config.iceServers;
    const logger = options.logger ?? silentLogger;
    this.signaling = new SignalingClient({
      url: options.serverUrl,
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      relay: options.relay ?? true,
    });
    // As in main.ts: the mesh exists before the account; the handshake reads it per link.
    let client: ParleyClient | null = null;
    this.mesh = new Mesh({
      signaling: this.signaling,
      logger,
      handshake: accountHandshake(() => client?.deviceAccount ?? null, this.verifyKeys),
      ...(options.relay === false ? { relay: false } : {}),
      ...(options.reannounceMs !== undefined ? { reannounceMs: options.reannounceMs } : {}),
      createTransport: ({ initiator, onSignal }) =>
        new DeferredTransport(async () => {
          if (options.direct === false) throw new Error('direct paths are off');
          const [wrtc, { SimplePeerTransport }] = await Promise.all([loadWrtc(logger), import('../net/simple-peer-transport.js')]);
          if (!wrtc) throw new Error('no WebRTC for Node here');
          // Loaded after destroy() began: a connection made now would outlive the peer.
          if (this.destroyed) throw new Error('the peer is shutting down');
          const policy = options.iceTransportPolicy ? { iceTransportPolicy: options.iceTransportPolicy } : {};
          const transport = new SimplePeerTransport({ initiator, iceServers, wrtc, onSignal, ...policy });
          // Taken now: simple-peer drops its connection as it closes it.
          const pc = transport.peerConnection;
          this.transports.set(transport, pc);
          void quiet(pc).then(() => this.transports.delete(transport));
          return transport;
        }).start(),
    });
    // The mailbox client appends its own '/api/mailbox/…' path to the base.
    const mailbox = options.mailbox === false ? null : new MailboxClient(options.serverUrl.replace(/\/+$/, ''));
    client = new ParleyClient({
      accounts: options.stores.accounts,
      conversations: options.stores.conversations,
      outbox: options.stores.outbox,
      docs: options.stores.docs,
      signaling: this.signaling,
      mesh: this.mesh,
      verifyKeys: this.verifyKeys,
      appUrl: options.appUrl ?? new URL('/', options.serverUrl).href,
      deviceLabel: options.deviceLabel ?? 'Parley for Node',
      logger,
      // No page here, no worker to spare it: worked out on this thread.
      safetyNumbers: async (a, b) => safetyNumber(a, b),
      ...(options.bot ? { bot: true } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.receiptEveryMs !== undefined ? { receiptEveryMs: options.receiptEveryMs } : {}),
      ...(mailbox ? { mailbox: { client: mailbox, progress: options.stores.mailboxState, exclude: () => undefined, onOffline: () => undefined } } : {}),
    });
    this.client = client;
    // No image description in Node (no canvas): images go without a placeholder thumbnail.
    this.files = new ClientFiles({
      store: options.stores.chunks ?? new MemoryChunkStore(),
      mesh: this.mesh,
      maxFileBytes: config.maxFileBytes,
      ...(mailbox ? { mailbox: { client: mailbox, maxFileBytes: config.mailboxMaxFileBytes } } : {}),
      describe: async () => null,
      logger,
      ...(options.now ? { now: options.now } : {}),
    });
    // A conversation deleted here takes its files' chunks with it (docs/architecture.md §4.9).
    client.on('erased', (id) => void this.files.eraseConversation(id).catch((error: unknown) => logger.warn('files of a deleted conversation not erased', { error: errorField(error) })));
  }

  /** Builds a peer (asking the server for ICE servers unless given) and starts it. */
  static async start(options: HeadlessPeerOptions): Promise<HeadlessPeer> {
    const config = await fetchServerConfig(options.serverUrl);
    const peer = new HeadlessPeer(options, { ...config, iceServers: options.iceServers ? [...options.iceServers] : options.direct === false ? [] : config.iceServers });
    await peer.start();
    return peer;
  }

  /** Connects to the server and loads the stored account and conversations. */
  async start(): Promise<void> {
    this.signaling.start();
    this.mesh.start();
    this.files.start();
    await this.client.start();
  }

  /**
   * Closes every link and the socket and lets go of every document, then waits (up to 5 s)
   * until wrtc has delivered the last events of every connection (see the file comment).
   */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.files.destroy();
    this.mesh.destroy();
    await this.client.destroy();
    this.signaling.destroy();
    for (const t of this.transports.keys()) t.close();
    if (!(await allQuiet(this.transports.values()))) (this.options.logger ?? silentLogger).warn('WebRTC connections still closing after 5 s', { count: this.transports.size });
  }
}
