/**
 * A Parley peer in Node for tests: the app's own Node composition root
 * (`src/node/headless-peer.ts`: the real client, sync engine and signaling client, `ws` and
 * @roamhq/wrtc) with in-memory stores (docs/architecture.md §9: real parts in tests). Tests
 * use it to script a member that behaves — or misbehaves — in ways the UI cannot, while
 * honest users stay real browsers.
 *
 * It exposes the parts a hostile member would reach for: the mesh's links, each
 * conversation's doc, writer and awareness, and helpers that send hand-made frames.
 * Teardown waits until every native peer connection is closed (HeadlessPeer.destroy).
 */
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type { ConversationSession } from '../../src/client/conversation-session.js';
import { DEFAULT_MAX_FILE_BYTES } from '../../src/client/files/client-files.js';
import type { ParleyClient } from '../../src/client/parley-client.js';
import { fromHex } from '../../src/core/bytes.js';
import type { DeviceId, SessionId, Topic } from '../../src/core/ids.js';
import { deriveConversationKeys } from '../../src/core/keys.js';
import type { EpochRecord } from '../../src/core/membership/records.js';
import type { VerifyKeyCache } from '../../src/core/identity/keys.js';
import { FrameKinds } from '../../src/net/framing.js';
import type { Logger, LogFields } from '../../src/core/logger.js';
import type { Mesh } from '../../src/net/mesh.js';
import type { PeerLink } from '../../src/net/peer-link.js';
import type { RoomSync } from '../../src/net/room-sync.js';
import type { SignalingClient } from '../../src/net/signaling-client.js';
import { HeadlessPeer } from '../../src/node/headless-peer.js';
import { MemoryMailboxStateStore } from '../../src/store/mailbox-state.js';
import { MemoryAccountStore, MemoryConversationStore, MemoryDocStore, MemoryOutboxStore } from '../../src/store/memory.js';
import type { Account, ConversationStore } from '../../src/store/types.js';
import { LOG_LINES } from './diagnosis.js';

export interface NodePeerOptions {
  /** The Parley server, e.g. `http://localhost:1234`. */
  readonly serverUrl: string;
  readonly name: string;
  /** Base of invite links; the server URL by default. */
  readonly appUrl?: string;
  readonly iceServers?: readonly RTCIceServer[];
  /** False: no direct path can open (relay-only ICE policy and no TURN), as behind symmetric NATs. */
  readonly direct?: boolean;
  /** False: the socket asks for no relay address, so links cannot fall back to the relay. */
  readonly relay?: boolean;
  /** True: conversations carry writes through the server's blind mailbox, as in the app. */
  readonly mailbox?: boolean;
  /** Files up to this size go through the mailbox's blob area (0, the default: none). */
  readonly mailboxMaxFileBytes?: number;
  /** The peer's clock (tests of rotation and key expiry move it). */
  readonly now?: () => number;
  /** How often the peer may rewrite its receipts, in ms (30 s by default). */
  readonly receiptEveryMs?: number;
  /** How often topics without peers announce again (tests of prompt reconnection set it long). */
  readonly reannounceMs?: number;
  /** Where conversation records (epoch secrets among them) are stored; in memory by default. */
  readonly conversations?: ConversationStore;
}

/** One link of the mesh. */
export interface MeshLink {
  readonly remote: SessionId;
  readonly link: PeerLink;
}

/** As the app's composition root logs: `parley: message key=value` through console. */
const line = (message: string, fields?: LogFields): string =>
  `parley: ${message}${fields ? Object.entries(fields).map(([k, v]) => ` ${k}=${String(v)}`).join('') : ''}`;
export const consoleLogger: Logger = {
  info: () => undefined,
  warn: (message, fields) => console.warn(line(message, fields)),
  error: (message, fields) => console.error(line(message, fields)),
};

export class NodePeer {
  /** Mailbox read and write progress, by mailbox id (kept in memory). */
  readonly mailboxProgress = new MemoryMailboxStateStore();
  private readonly peer: HeadlessPeer;
  private readonly log: string[] = [];

  private constructor(readonly options: NodePeerOptions) {
    const noDirect = options.direct === false;
    this.peer = new HeadlessPeer(
      {
        serverUrl: options.serverUrl,
        stores: {
          accounts: new MemoryAccountStore(),
          conversations: options.conversations ?? new MemoryConversationStore(),
          outbox: new MemoryOutboxStore(),
          docs: new MemoryDocStore(),
          mailboxState: this.mailboxProgress,
        },
        ...(options.appUrl ? { appUrl: options.appUrl } : {}),
        deviceLabel: 'Node peer',
        logger: this.keeping(consoleLogger),
        // A direct path is tried but can never open, so links take the relay as they do
        // behind symmetric NATs.
        ...(noDirect ? { iceTransportPolicy: 'relay' as const } : {}),
        ...(options.relay === false ? { relay: false } : {}),
        mailbox: options.mailbox ?? false,
        ...(options.now ? { now: options.now } : {}),
        ...(options.receiptEveryMs !== undefined ? { receiptEveryMs: options.receiptEveryMs } : {}),
        ...(options.reannounceMs !== undefined ? { reannounceMs: options.reannounceMs } : {}),
      },
      { iceServers: noDirect ? [] : [...(options.iceServers ?? [])], maxFileBytes: DEFAULT_MAX_FILE_BYTES, mailboxMaxFileBytes: options.mailboxMaxFileBytes ?? 0 },
    );
  }

  /** Starts a peer and registers a fresh account under `name`. */
  static async register(options: NodePeerOptions): Promise<NodePeer> {
    const peer = new NodePeer(options);
    await peer.peer.start();
    await peer.client.register(options.name);
    return peer;
  }

  /**
   * Starts a peer and links it to `first`'s account as another device, the way the Devices
   * screen does: `first` offers a link and confirms the device that asks on it.
   */
  static async linkTo(first: NodePeer, options: NodePeerOptions): Promise<NodePeer> {
    const peer = new NodePeer(options);
    await peer.peer.start();
    const offer = await first.client.offerDeviceLink();
    offer.on('asked', () => void offer.confirm());
    await peer.client.linkThisDevice(offer.url);
    return peer;
  }

  /** The newest log lines, every level (a link that opened or ended is said at info), oldest first. */
  get recentLog(): readonly string[] {
    return this.log;
  }

  get signaling(): SignalingClient {
    return this.peer.signaling;
  }

  get mesh(): Mesh {
    return this.peer.mesh;
  }

  get client(): ParleyClient {
    return this.peer.client;
  }

  get verifyKeys(): VerifyKeyCache {
    return this.peer.verifyKeys;
  }

  get account(): Account {
    const account = this.client.account;
    if (!account) throw new Error('node peer is not registered');
    return account;
  }

  get device(): DeviceId {
    return this.account.device.id;
  }

  /** Joins a conversation by its invite link, like opening the link in the app. */
  join(invite: string): Promise<ConversationSession> {
    return this.client.join(invite);
  }

  session(topic: Topic): ConversationSession {
    const session = this.client.get(topic);
    if (!session) throw new Error(`not in conversation ${topic}`);
    return session;
  }

  /**
   * Stops syncing a conversation and finding peers for it (the mesh sends `leave` and
   * unsubscribes). After an attack this ends the drop-and-reconnect loop a peer whose doc
   * holds refused data would otherwise keep up.
   */
  leave(topic: Topic): void {
    this.mesh.removeRoom(topic);
  }

  /**
   * The signaling topic a conversation syncs under now: conversations keep their id, but
   * each epoch has its own topic (docs/architecture.md §4.1); frames name the topic.
   */
  topicOf(conversation: Topic): Topic {
    return this.client.get(conversation)?.keys.topic ?? conversation;
  }

  /** The mesh's current connections (open or still connecting). */
  links(): MeshLink[] {
    return this.mesh.links();
  }

  /** The open link whose verified remote is `device`, if any. */
  linkTo(device: DeviceId): PeerLink | null {
    for (const { link } of this.links()) if (link.isOpen && link.peer?.device === device) return link;
    return null;
  }

  /** The sync engine of one conversation. */
  room(topic: Topic): RoomSync {
    const room = this.mesh.room(topic);
    if (!room) throw new Error(`no room for ${topic}`);
    return room;
  }

  /** Whether `link` is syncing `topic` (both sides proved membership). */
  syncing(topic: Topic, link: PeerLink): boolean {
    return this.room(topic).has(link);
  }

  /** Sends a y-protocols sync "update" message carrying `update`, bypassing the local doc. */
  sendUpdate(link: PeerLink, topic: Topic, update: Uint8Array): void {
    const encoder = encoding.createEncoder();
    syncProtocol.writeUpdate(encoder, update);
    this.sendFrame(link, topic, FrameKinds.sync, encoding.toUint8Array(encoder));
  }

  /** Sends a raw awareness payload (y-protocols awareness encoding) for `topic`. */
  sendAwareness(link: PeerLink, topic: Topic, payload: Uint8Array): void {
    this.sendFrame(link, topic, FrameKinds.awareness, payload);
  }

  sendFrame(link: PeerLink, topic: Topic, kind: (typeof FrameKinds)[keyof typeof FrameKinds], payload: Uint8Array): void {
    link.send({ kind, doc: fromHex(this.topicOf(topic))!, payload });
  }

  /** Resolves once `link` has closed, whoever closed it; rejects after `timeoutMs`. */
  waitForClose(link: PeerLink, timeoutMs = 15_000): Promise<void> {
    return waitUntil(() => !link.isOpen, 'the link to close', timeoutMs);
  }

  /** `logger`, keeping the newest lines with their time for `recentLog` (as a page keeps its own). */
  private keeping(logger: Logger): Logger {
    const keep = (level: string, message: string, fields?: LogFields): void => {
      this.log.push(`${new Date().toISOString().slice(11, 23)} ${level} ${line(message, fields)}`.slice(0, 400));
      if (this.log.length > LOG_LINES) this.log.shift();
    };
    return {
      info: (message, fields) => (keep('info', message, fields), logger.info(message, fields)),
      warn: (message, fields) => (keep('warn', message, fields), logger.warn(message, fields)),
      error: (message, fields) => (keep('error', message, fields), logger.error(message, fields)),
    };
  }

  /** Closes every connection and the signaling socket, and waits for WebRTC to close. */
  destroy(): Promise<void> {
    return this.peer.destroy();
  }
}

/** Polls `condition` every 20 ms until it holds. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Waits until `sessions` all sit on `view`'s current epoch (one whose record passes
 * `record`, if given) and sync under that epoch's keys; returns the record. Both are
 * needed: a session's `epoch` changes as it enters an epoch, its `keys` only once the
 * secret is stored and the room moves (EpochSwitch, then EpochFollower.move), so keys read
 * as soon as the epoch changed may still be the old epoch's.
 */
export async function onCurrentEpoch(
  view: ConversationSession,
  sessions: readonly ConversationSession[],
  what: string,
  { record = () => true, timeoutMs = 30_000 }: { record?: (r: EpochRecord) => boolean; timeoutMs?: number } = {},
): Promise<EpochRecord> {
  const current = (): EpochRecord | null => {
    const r = view.membership.state.current?.record;
    return r && record(r) && sessions.every((s) => s.epoch === r.id) ? r : null;
  };
  await waitUntil(() => current() !== null, what, timeoutMs);
  const found = current()!;
  const secret = view.epochSecret(found.id);
  if (!secret) throw new Error(`${what}: no secret for ${found.id}`);
  const { mailboxToken } = await deriveConversationKeys(secret);
  await waitUntil(() => sessions.every((s) => s.keys.mailboxToken === mailboxToken), `${what} (their keys)`, timeoutMs);
  return found;
}

/**
 * Joins `peer` to a group whose "approve new members" is on, with `admin` approving: only
 * the approving admin writes the add. With approval off every member's invite desk may add
 * the joiner after a random wait, and the sibling add epochs of such a burst take a while
 * to settle (docs/architecture.md §4.3); tests whose subject is something else use this.
 */
export async function joinApproved(admin: ConversationSession, peer: NodePeer, timeoutMs = 60_000): Promise<ConversationSession> {
  if (!admin.membership.settings().approval) await admin.group.setApproval(true);
  const joining = peer.join(admin.inviteLink);
  joining.catch(() => undefined);
  await waitUntil(() => admin.group.requests().some((r) => r.device === peer.device), `${peer.options.name}'s join request to reach the admin`, timeoutMs);
  await admin.group.approve(peer.device);
  return joining;
}

/**
 * Joins `joiners` to `admin`'s group one at a time (`joinApproved`), each settled everywhere
 * before the next: every session so far on the group's current epoch and linked with all the
 * others. Each joiner's session goes into `sessions` under its name (which holds the admin's
 * already), in join order.
 */
export async function joinEachSettled(
  admin: ConversationSession,
  sessions: Record<string, ConversationSession>,
  joiners: ReadonlyArray<readonly [string, NodePeer]>,
  timeoutMs = 60_000,
): Promise<void> {
  for (const [name, peer] of joiners) {
    sessions[name] = await joinApproved(admin, peer);
    const joined = Object.values(sessions);
    await waitUntil(
      () => joined.every((s) => s.epoch === s.membership.state.current?.id && s.epoch === admin.epoch && s.peerCount === joined.length - 1),
      `everyone to sync after ${name} joined`,
      timeoutMs,
    );
  }
}
