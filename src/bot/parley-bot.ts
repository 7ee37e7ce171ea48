/**
 * `ParleyBot`: a program that is a member of Parley conversations, with its own identity
 * and device key, signing everything it writes like any member (docs/architecture.md §12).
 *
 * ```ts
 * import { ParleyBot } from 'parley/bot';
 * const bot = await ParleyBot.start({ profile: './echo-profile', name: 'Echo' });
 * bot.on('message', async (msg) => { await msg.reply(`You said: ${msg.text}`); });
 * ```
 *
 * It runs the app's own client and sync engine in Node (node/headless-peer.ts); it holds no
 * power a person lacks: it reads what members read and writes into its own log only.
 */
import { ObservableV2 } from 'lib0/observable';
import type { ConversationSession } from '../client/conversation-session.js';
import type { ParleyClient } from '../client/parley-client.js';
import { InvalidEventError, MAX_TEXT } from '../core/events.js';
import type { EventId, Topic } from '../core/ids.js';
import type { IdentityId } from '../core/identity/keys.js';
import { formatSafetyNumber, safetyNumberHalf } from '../core/identity/safety-number.js';
import { errorField, type Logger } from '../core/logger.js';
import { HeadlessPeer } from '../node/headless-peer.js';
import { defaultProfileDir } from '../node/profile.js';
import type { BotConversation, BotEvent, BotEvents, SentMessage } from './bot-events.js';
import { resolveConversation } from './conversation-ref.js';
import { BotError } from './errors.js';
import { EventFeed } from './event-feed.js';
import { ControlServer, localOps } from './control-server.js';
import { sendFileFrom, type SendFileOptions, type SentFile } from './send-file.js';
import { waitForAcknowledged, waitForHistory, type HistoryWait } from './waits.js';
import { memoryStorage, openProfileStorage, type BotStorage } from './storage.js';

export interface ParleyBotOptions {
  /** Profile directory holding the bot's keys and state; `PARLEY_PROFILE` or `~/.parley` by default. */
  readonly profile?: string;
  /** Keep everything in memory (tests, benchmarks): no profile, nothing survives `stop()`. */
  readonly memory?: boolean;
  /** The Parley server; by default the one this profile used last, else `PARLEY_SERVER`. */
  readonly server?: string;
  /** Creates the bot's identity with this name if the profile has none yet. */
  readonly name?: string;
  /** With `name`: fail with BotError('already-initialized') if the profile has an identity. */
  readonly init?: boolean;
  /**
   * Which conversations to hand events from (ids, titles or invite links, joined if needed);
   * all of them, including ones joined later, by default.
   */
  readonly conversations?: readonly string[];
  /** False: hand no events at all (one-shot commands that only send or read). */
  readonly listen?: boolean;
  /** Where log lines go; warnings and errors to stderr by default. */
  readonly logger?: Logger;
  /** False: no WebRTC, every link through the server's relay. */
  readonly direct?: boolean;
  /**
   * False: do not serve the profile's control socket, through which `parley send` and the
   * other commands reach this process while it holds the profile (on by default).
   */
  readonly control?: boolean;
  readonly now?: () => number;
}

export interface SendOptions {
  /** The message this one answers. */
  readonly replyTo?: string;
  /** How long to wait for the acknowledgement (default 30 s); the message is saved either way. */
  readonly timeoutMs?: number;
}

/** One conversation as `conversations()` lists it. */
export interface ConversationInfo extends BotConversation {
  readonly direct: boolean;
  readonly members: number;
  readonly lastText: string;
  readonly lastAuthor: string;
  readonly lastAt: number;
  readonly invite: string;
}

/** One message of `history()`. */
export interface HistoryMessage {
  readonly id: EventId;
  readonly author: { readonly name: string; readonly identity: IdentityId | null; readonly bot: boolean; readonly me: boolean };
  readonly at: number;
  readonly text: string;
  readonly edited: boolean;
  readonly deleted: boolean;
  readonly replyTo?: EventId;
  readonly reactions: Readonly<Record<string, number>>;
}

const stderrLogger: Logger = {
  info: () => undefined,
  warn: (message, fields) => process.stderr.write(`parley: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`),
  error: (message, fields) => process.stderr.write(`parley: error: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`),
};

export class ParleyBot extends ObservableV2<BotEvents> {
  private feed: EventFeed | null = null;
  private control: ControlServer | null = null;
  private stopped = false;
  private readonly onClientChanged = (): void => this.followNew();
  private readonly onClientError = (error: Error): void => this.fail(error);

  private constructor(
    private readonly peer: HeadlessPeer,
    private readonly storage: BotStorage,
    private readonly logger: Logger,
    private readonly selected: ReadonlySet<Topic> | null,
  ) {
    super();
  }

  /**
   * Opens the profile, connects, creates the identity if `name` is given and there is none,
   * and starts handing events to listeners (register them right after; events found on
   * start are handed over on the next turn).
   */
  static async start(options: ParleyBotOptions = {}): Promise<ParleyBot> {
    const logger = options.logger ?? stderrLogger;
    const storage = options.memory ? memoryStorage() : openProfileStorage(options.profile ?? defaultProfileDir());
    let peer: HeadlessPeer | null = null;
    try {
      const server = options.server ?? storage.savedServer() ?? process.env.PARLEY_SERVER;
      if (!server) throw new BotError('no-server', 'no server: pass --server URL or set PARLEY_SERVER');
      let url: URL;
      try {
        url = new URL(server);
      } catch (cause) {
        throw new BotError('no-server', `not a server URL: ${server}`, {}, { cause });
      }
      if (storage.savedServer() !== url.href) storage.saveServer(url.href);
      peer = await HeadlessPeer.start({
        serverUrl: url.href,
        stores: storage.stores,
        bot: true,
        logger,
        ...(options.direct === false ? { direct: false } : {}),
        ...(options.now ? { now: options.now } : {}),
      });
      if (options.init && peer.client.account) throw new BotError('already-initialized', `this profile already has an identity (${peer.client.account.name})`);
      if (!peer.client.account) {
        if (!options.name) throw new BotError('no-account', 'this profile has no identity yet: run parley init --name NAME');
        await peer.client.register(options.name);
      }
      const client = peer.client;
      const selected = options.conversations ? new Set(await Promise.all(options.conversations.map(async (ref) => (await resolveConversation(client, ref, { join: true })).id))) : null;
      const bot = new ParleyBot(peer, storage, logger, selected);
      if (options.listen !== false) bot.listen(options.now ?? Date.now);
      if (storage.dir && options.control !== false) {
        bot.control = new ControlServer(storage.dir, localOps(bot), logger);
        await bot.control.start().catch(async (error: unknown) => {
          await bot.stop();
          throw error;
        });
      }
      return bot;
    } catch (error) {
      await peer?.destroy();
      storage.close();
      throw error;
    }
  }

  /** The client underneath (the app's own), for what this class does not wrap. */
  get client(): ParleyClient {
    return this.peer.client;
  }

  get name(): string {
    return this.account().name;
  }

  /** The bot's identity: its Ed25519 public key, base64url. */
  get identity(): IdentityId {
    return this.account().identity.sign;
  }

  /** The bot's contact link: people add it as a contact with it. */
  get contactLink(): string {
    return this.client.contacts.link;
  }

  /**
   * The bot's 30 digits of every safety number: someone comparing the safety number their
   * app shows for this bot finds these digits in it.
   */
  get safetyDigits(): string {
    return formatSafetyNumber(safetyNumberHalf(this.account().identity));
  }

  /** The profile directory (null in memory). */
  get profileDir(): string | null {
    return this.storage.dir;
  }

  /** The server this bot talks to. */
  get server(): string {
    return this.peer.options.serverUrl;
  }

  /**
   * Joins a conversation by its invite link. With `wait`, also waits (up to `timeoutMs`) for
   * its history from a member who is online, reporting progress.
   */
  async join(invite: string, wait?: HistoryWait): Promise<BotConversation> {
    const session = await resolveConversation(this.client, invite, { join: true });
    if (this.feed && this.listensTo(session)) await this.feed.follow(session);
    if (wait) await waitForHistory(session, wait);
    return { id: session.id, title: session.title };
  }

  /** Creates a group conversation; returns it with its invite link. */
  async create(title = ''): Promise<BotConversation & { readonly invite: string }> {
    const session = await this.client.createConversation(title);
    await this.feed?.follow(session);
    return { id: session.id, title: session.title, invite: session.inviteLink };
  }

  /** Every conversation of this profile, newest first. */
  conversations(): ConversationInfo[] {
    return this.client.list().map((c) => {
      const session = this.client.get(c.id)!;
      return {
        id: c.id,
        title: c.title,
        direct: c.direct,
        members: session.otherIdentities().size + 1,
        lastText: c.lastText,
        lastAuthor: c.lastAuthor,
        lastAt: c.lastAt,
        invite: session.inviteLink,
      };
    });
  }

  /** The newest `limit` messages of a conversation, oldest first. */
  async history(conversation: string, limit = 20): Promise<HistoryMessage[]> {
    const session = await this.session(conversation);
    await session.loaded;
    const messages = session.timeline.entries.filter((e) => e.kind === 'message');
    return messages.slice(Math.max(0, messages.length - limit)).map((e) => {
      const identity = session.identityOf(e.author);
      return {
        id: e.id,
        author: { name: session.memberName(e.author), identity, bot: session.memberIsBot(e.author), me: session.isMine(e.author) },
        at: e.at,
        text: e.text,
        edited: e.edited,
        deleted: e.deleted,
        ...(e.replyTo ? { replyTo: e.replyTo } : {}),
        reactions: Object.fromEntries([...e.reactions].map(([emoji, devices]) => [emoji, devices.size])),
      };
    });
  }

  /**
   * Sends a message. Resolves once it is acknowledged: a member's device holds it, or the
   * server's mailbox stored it for members who are offline. Rejects with
   * BotError('not-acknowledged') after `timeoutMs`; the message is saved and goes out the
   * next time this profile is online.
   */
  async send(conversation: string, text: string, options: SendOptions = {}): Promise<SentMessage> {
    return this.sendIn(await this.session(conversation), text, options);
  }

  /**
   * Sends the file at `file` (a path) as a message, with the browser's own file code.
   * Resolves once the message is acknowledged and, unless `waitHeld` is false, a member's
   * device holds the whole file: its bytes live only on this device until then. Rejects
   * with BotError('bad-file') for a missing, empty or too large file before reading it,
   * and BotError('not-acknowledged') when nothing moved for `timeoutMs`.
   */
  async sendFile(conversation: string, file: string, options: SendFileOptions = {}): Promise<SentFile> {
    return sendFileFrom(this.peer.files, this.peer.mesh, await this.session(conversation), file, options);
  }

  /** Adds the bot's reaction `emoji` to a message (nothing happens if it is already there). */
  async react(conversation: string, message: string, emoji: string): Promise<void> {
    await this.reactIn(await this.session(conversation), message, emoji);
  }

  /**
   * Resolves once every conversation the bot listens to is followed, with its backlog handed
   * over. A conversation followed for the first time counts as new only what arrives after
   * that (event-feed.ts), so a caller that says "listening" must wait for this first.
   */
  async following(): Promise<void> {
    if (!this.feed) return;
    // followNew runs on the next turn after start(); follow() is idempotent per conversation.
    await Promise.all(
      this.client.conversations
        .sessions()
        .filter((session) => this.listensTo(session))
        .map((session) => this.feed!.follow(session)),
    );
  }

  /** Saves where the feed is, disconnects and closes the profile. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.control?.close();
    this.client.off('changed', this.onClientChanged);
    this.client.off('error', this.onClientError);
    await this.feed?.destroy();
    await this.peer.destroy();
    this.storage.close();
    super.destroy();
  }

  /** Listener results that are promises are watched: a rejection becomes an `error` event. */
  override emit<N extends keyof BotEvents & string>(name: N, args: Parameters<BotEvents[N]>): void {
    const listeners = [...(this._observers.get(name) ?? [])] as Array<(...a: unknown[]) => unknown>;
    if (name === 'error' && listeners.length === 0) {
      this.logger.error('bot error', { error: errorField(args[0]) });
      return;
    }
    for (const listener of listeners) {
      try {
        const result = listener(...args);
        if (result instanceof Promise) result.catch((error: unknown) => this.fail(error));
      } catch (error) {
        if (name === 'error') this.logger.error('error listener failed', { error: errorField(error) });
        else this.fail(error);
      }
    }
  }

  private fail(error: unknown): void {
    this.emit('error', [error instanceof Error ? error : new Error(String(error))]);
  }

  private account() {
    const account = this.client.account;
    if (!account) throw new BotError('no-account', 'this profile has no identity yet');
    return account;
  }

  private async session(ref: string): Promise<ConversationSession> {
    return resolveConversation(this.client, ref, { join: true });
  }

  private listen(now: () => number): void {
    this.feed = new EventFeed({
      client: this.client,
      cursors: this.storage.cursors,
      now,
      actions: {
        send: (session, text, replyTo) => this.sendIn(session, text, replyTo ? { replyTo } : {}),
        react: (session, target, emoji) => this.reactIn(session, target, emoji),
      },
      deliver: (event) => this.deliver(event),
      failed: (error) => this.fail(error),
    });
    this.client.on('changed', this.onClientChanged);
    this.client.on('error', this.onClientError);
    // On the next turn, so listeners registered right after start() hear the backlog.
    setImmediate(() => this.followNew());
  }

  private followNew(): void {
    if (!this.feed || this.stopped) return;
    for (const session of this.client.conversations.sessions()) {
      if (this.listensTo(session) && !this.feed.follows(session.id)) void this.feed.follow(session);
    }
  }

  /** Whether the bot hands over this conversation's events (all, unless some were chosen). */
  private listensTo(session: ConversationSession): boolean {
    return !this.selected || this.selected.has(session.id);
  }

  private deliver(event: BotEvent): void {
    this.emit(event.kind, [event] as never);
    this.emit('event', [event]);
  }

  private async sendIn(session: ConversationSession, text: string, options: SendOptions): Promise<SentMessage> {
    if (text.trim().length === 0) throw new BotError('bad-message', 'the message is empty');
    if (text.length > MAX_TEXT) throw new BotError('bad-message', `the message is longer than ${MAX_TEXT} characters`, { max: MAX_TEXT });
    let id: EventId;
    try {
      id = await session.send(text, options.replyTo as EventId | undefined);
    } catch (cause) {
      if (cause instanceof InvalidEventError) throw new BotError('bad-message', cause.message, {}, { cause });
      throw cause;
    }
    await waitForAcknowledged(session, id, options.timeoutMs ?? 30_000);
    return { id, conversation: session.id };
  }

  private async reactIn(session: ConversationSession, target: string, emoji: string): Promise<void> {
    await session.loaded;
    const entry = session.timeline.get(target as EventId);
    if (entry?.reactions.get(emoji)?.has(session.me)) return;
    await session.toggleReaction(target as EventId, emoji);
  }
}
