/**
 * Files for the UI (docs/architecture.md §14.4): sending a file as a message, fetching the
 * files of messages that arrive, the progress of both, and the finished bytes as object URLs.
 *
 * - Sending seals the file on this device in two passes over the Blob: the first computes the
 *   hash list and root (a file's id everywhere, known only after its last chunk), the second
 *   seals again — deterministically, same key and IVs — and stores chunk batches under that
 *   root. AES-GCM is native and fast, so the second pass costs far less than holding the file.
 * - Receiving follows each conversation's events: a message with a file gets a record in the
 *   chunk store, and is fetched at once when the auto-download rule allows it (images always,
 *   other files up to `autoDownloadBytes`); the rest wait for `download`. An incomplete file
 *   resumes from its stored chunks after a reload.
 * - A finished file is opened (decrypted, content hash checked) only when shown (`file-opener.ts`).
 */
import { ObservableV2 } from 'lib0/observable';
import { fromBase64Url } from '../../core/bytes.js';
import { deriveFileKey, deriveFileRoot, newFileSalt } from '../../core/files/file-key.js';
import { chunkSizeFor, chunksIn, DEFAULT_MAX_FILE_BYTES, mediaKind, type FileRef } from '../../core/files/file-ref.js';
import type { ConversationEvent } from '../../core/events.js';
import type { EventId, Topic } from '../../core/ids.js';
import { Disposables } from '../../core/lifecycle.js';
import { errorField, silentLogger, type Logger } from '../../core/logger.js';
import type { BulkHost } from '../../net/files/bulk-lane.js';
import type { DataPathCounts } from '../../net/files/data-path.js';
import { FileExchange } from '../../net/files/file-exchange.js';
import type { Mesh } from '../../net/mesh.js';
import type { ChunkStore, StoredFile } from '../../store/chunk-store.js';
import type { ConversationSession } from '../conversation-session.js';
import { ClientError } from '../errors.js';
import { sealBlob } from './seal-blob.js';
import { cleanName, sniffType, voiceRef, voiceType, type VoiceFields } from './outgoing-file.js';
import { MediaRules, type MediaUsage } from './media-rules.js';
import { describeMedia, type MediaInfo } from './describe-media.js';
import { storeHolder, storeSealed, storeSink } from './store-adapters.js';
import { FileOpener } from './file-opener.js';
import { Transfers, type FileView, type MailboxCopy } from './transfers.js';
import { copyToMailbox, deleteFromMailbox, mailboxOfEpoch, mailboxSideOf, newBlobWriterKey } from './mailbox-files.js';
import { fileKeyOf } from './file-keys.js';
import { ServedProgress } from './served-progress.js';
import { FileWants } from './conversation-files.js';
import type { MailboxClient } from '../../net/mailbox-client.js';

export type { FileView, MailboxCopy, TransferState } from './transfers.js';
export type { MediaUsage } from './media-rules.js';
export type { VoiceFields } from './outgoing-file.js';

export interface ClientFilesParts {
  readonly store: ChunkStore;
  readonly mesh: Mesh;
  /** Largest file this device sends (the server's `MAX_FILE_BYTES`; 200 MB by default). */
  readonly maxFileBytes?: number;
  /** Files other than images up to this size are fetched without asking (25 MB). */
  readonly autoDownloadBytes?: number;
  /**
   * The mailbox's blob area (docs/architecture.md §14.6): files up to `maxFileBytes` (the
   * server's `MAILBOX_MAX_FILE_BYTES`; 0 when it takes none) go there for offline members.
   */
  readonly mailbox?: { readonly client: MailboxClient; readonly maxFileBytes: number };
  /**
   * A URL the service worker answers with a finished file's plaintext, streamed from the
   * chunk store (docs/architecture.md §14.4), or null (no worker controls the page, Node).
   */
  readonly serve?: (conversation: Topic, root: string) => string | null;
  /** Dimensions of an image or video, and an image's thumbnail; browsers only (none in Node). */
  readonly describe?: (file: Blob, type: string) => Promise<MediaInfo | null>;
  readonly now?: () => number;
  readonly logger?: Logger;
  /** The page's bulk worker, which carries file chunks off the pages' threads (docs/architecture.md §14.2). */
  readonly bulk?: BulkHost;
}

export type ClientFilesEvents = {
  /** A file's view changed (started, finished, opened, failed, cancelled, mailbox copy). */
  changed: (root: string) => void;
  /**
   * Only the bytes moved changed, in the same state: a view need redraw only its progress
   * bar, not the message list (docs/architecture.md §14.5).
   */
  progress: (root: string) => void;
  /** A member's device was served every chunk of a file this device sent (it holds it now). */
  held: (root: string, device: string) => void;
  error: (error: Error) => void;
};

export { DEFAULT_MAX_FILE_BYTES };
/** Chunk bytes sealed and stored per write while sending (16 chunks of 64 KiB). */
const SEND_BATCH_BYTES = 1024 * 1024;

/** A file the user picked: a Blob with the name their system gave it. */
export interface OutgoingFile {
  readonly blob: Blob;
  readonly name: string;
  /**
   * Told how far the file's preparation is, 0 to 1, as it goes: both passes over its bytes
   * (hashing, then sealing and storing) read all of it, and a large file takes seconds.
   */
  readonly progress?: (fraction: number) => void;
}

export class ClientFiles extends ObservableV2<ClientFilesEvents> {
  readonly exchange: FileExchange;
  private readonly transfers = new Transfers();
  private readonly owned = new Disposables();
  /** Followed conversations, each with the rule for which of its files this device should have. */
  private readonly followed = new Map<Topic, { readonly session: ConversationSession; readonly wants: FileWants; readonly stop: () => void }>();
  /** The sender's progress, from the chunks the file server served. */
  private readonly served: ServedProgress;
  /** Opening files into object URLs, while they arrive or once shown (docs/architecture.md §14.5). */
  private readonly opener: FileOpener;
  private readonly logger: Logger;
  private readonly now: () => number;
  readonly maxFileBytes: number;
  /** Auto-download and the per-conversation media budget (docs/architecture.md §14.7). */
  readonly rules: MediaRules;

  constructor(private readonly parts: ClientFilesParts) {
    super();
    this.logger = parts.logger ?? silentLogger;
    this.now = parts.now ?? Date.now;
    this.maxFileBytes = parts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.rules = new MediaRules(parts.store, parts.autoDownloadBytes);
    this.served = new ServedProgress(this.transfers, this.owned, {
      changed: (root) => this.emit('changed', [root]),
      progress: (root) => this.emit('progress', [root]),
      held: (root, device) => this.emit('held', [root, device]),
    });
    this.opener = new FileOpener({ store: parts.store, transfers: this.transfers, logger: this.logger, keyOf: (conversation, ref) => this.deriveKey(conversation, ref), changed: (root) => this.emit('changed', [root]) });
    this.exchange = new FileExchange({ mesh: parts.mesh, holder: storeHolder(parts.store), ...(parts.logger ? { logger: parts.logger } : {}), ...(parts.bulk ? { bulk: parts.bulk } : {}) });
  }

  start(): this {
    this.exchange.start();
    // The user's rules, once read; the defaults apply until then.
    void this.rules.load();
    const exchange = this.owned.listenTo(this.exchange);
    exchange.on('served', (_room, root, device, index) => this.served.served(root, device, index));
    exchange.on('cancelled', (_room, root, device) => this.served.cancelled(root, device));
    this.owned.add(() => this.exchange.destroy());
    return this;
  }

  /** Follows a conversation's events for files to fetch; idempotent. */
  follow(session: ConversationSession): void {
    if (this.followed.has(session.id)) return;
    const wants = new FileWants(session);
    const unobserve = session.synced.log.observe((events) => void this.onEvents(session, wants, events));
    // A file can be whole before this device has opened its epoch's share: try it again then,
    // and fetch files the new keys open that the timeline hid (a switch to full history).
    const retry = (): void => {
      this.opener.retryKeyless(session.id);
      wants
        .rekeyed()
        .then((files) => {
          for (const f of files) void this.arrived(session.id, f, f.mine);
        })
        .catch((error) => this.logger.warn('files not looked at after a rekey', { error: errorField(error) }));
    };
    session.on('rekeyed', retry);
    const stop = (): void => {
      unobserve();
      session.off('rekeyed', retry);
    };
    this.followed.set(session.id, { session, wants, stop });
    void this.resume(session, wants);
  }

  /** Follows exactly these conversations (call whenever the list changes). */
  track(sessions: readonly ConversationSession[]): void {
    const ids = new Set(sessions.map((s) => s.id));
    for (const id of [...this.followed.keys()]) if (!ids.has(id)) this.unfollow(id);
    for (const s of sessions) this.follow(s);
  }

  unfollow(id: Topic): void {
    this.followed.get(id)?.stop();
    this.followed.delete(id);
  }

  /** What to show for a file; opens a finished one in the background the first time. */
  view(ref: FileRef): FileView | undefined {
    const view = this.transfers.get(ref.root);
    if (view?.state === 'done' && !view.url) this.opener.openOnce(ref);
    return view;
  }

  /**
   * Sends a file as a message with `caption`. Refuses an empty file and one over the cap
   * before reading a byte. Resolves with the message id once the message is saved.
   */
  async send(session: ConversationSession, file: OutgoingFile, caption = '', voice?: VoiceFields): Promise<EventId> {
    const size = file.blob.size;
    if (size === 0) throw new ClientError('file-empty', { detail: { name: file.name } });
    if (size > this.maxFileBytes) throw new ClientError('file-too-large', { detail: { name: file.name, max: this.maxFileBytes } });
    // Before reading a byte: would this conversation's media pass this device's budget?
    if (!(await this.rules.fits(session.id, { size, chunk: chunkSizeFor(size) }))) throw this.overBudget(file.name, session.id);
    // A voice message is audio whatever its container sniffs as (WebM sniffs as video).
    const sniffed = voice ? voiceType(file.blob) : await sniffType(file.blob);
    const { audioOnly, ...info } = (voice ? null : await (this.parts.describe ?? describeMedia)(file.blob, sniffed).catch(() => null)) ?? {};
    // A video container with no picture plays as audio: the receiver gives it a player, not a black box.
    const type = audioOnly ? sniffed.replace(/^video\//, 'audio/') : sniffed;
    // The key derives from the file root of the epoch this device is in: the message names
    // the epoch and the salt, never the key, so only that epoch's members (and joiners of a
    // full-history group, handed the root) can read the file (§14.1).
    const { epoch, secret } = session.currentEpochKey();
    const salt = newFileSalt();
    const key = await deriveFileKey(fromBase64Url(await deriveFileRoot(secret))!, salt);
    let fields, hashes: Uint8Array;
    try {
      ({ fields, hashes } = await sealBlob(file.blob, key, (done) => file.progress?.(done / size / 2)));
    } catch (cause) {
      throw new ClientError('file-unreadable', { cause, detail: { name: file.name } });
    }
    // The message says whether the mailbox keeps the file, so a member who finds no holder
    // online knows whether to look there or to wait for one.
    const viaMailbox = size <= this.mailboxMaxFileBytes;
    const ref: FileRef = { name: cleanName(file.name), type, size, sha256: fields.sha256, chunk: fields.chunk, root: fields.root, epoch, salt, kdf: 'root', ...info, ...(voice ? voiceRef(voice) : {}), ...(viaMailbox ? { mailbox: true } : {}) };
    const store = this.parts.store;
    const mailboxCopy = viaMailbox ? { epoch, writerKey: newBlobWriterKey() } : undefined;
    const record: StoredFile = { root: ref.root, conversation: session.id, event: '', name: ref.name, type, size, chunk: ref.chunk, bytes: 0, complete: false, sent: true, at: this.now(), key, ...(mailboxCopy ? { mailboxCopy } : {}) };
    try {
      await store.putFile(record);
      await storeSealed(store, ref, key, file.blob, hashes, chunksIn(SEND_BATCH_BYTES, ref.chunk), (done) => file.progress?.(0.5 + done / size / 2));
      await store.putHashes(ref.root, hashes);
    } catch (cause) {
      await store.remove(ref.root).catch(() => undefined);
      throw new ClientError('storage-failed', { cause, detail: { what: 'file' } });
    }
    // 'uploading' from the start: the message's row then shows its mailbox note from its first
    // frame, rather than growing by a line a few frames later (docs/architecture.md §11).
    this.transfers.set(ref.root, { root: ref.root, name: ref.name, size, chunk: ref.chunk, direction: 'send', state: 'done', done: 0, url: URL.createObjectURL(file.blob), ...(mailboxCopy ? { mailbox: 'uploading' as const } : {}) });
    const id = await session.sendFile(ref, caption);
    await store.putFile({ ...record, event: id, complete: true });
    this.emit('changed', [ref.root]);
    if (mailboxCopy) void this.putInMailbox(session.id, ref, secret, mailboxCopy.writerKey);
    return id;
  }

  /** File chunks counted by the channel they came and went by (docs/architecture.md §14.2; tests and the bench). */
  get transferCounts(): Readonly<DataPathCounts> {
    return this.exchange.dataCounts;
  }

  /** Largest file the mailbox keeps for offline members (0: it keeps none). */
  get mailboxMaxFileBytes(): number {
    return this.parts.mailbox?.maxFileBytes ?? 0;
  }

  /**
   * Puts a sent file into its epoch's mailbox for members who are offline now. A refusal
   * (the mailbox's quota, the server's cap) is reported with the server's words: the file
   * still reaches members peer to peer while this device or another holder is online.
   */
  private async putInMailbox(conversation: Topic, ref: FileRef, secret: Uint8Array, writerKey: string): Promise<void> {
    const mailbox = this.parts.mailbox;
    const credential = mailbox ? await mailboxOfEpoch(secret) : null;
    const copy = (state: MailboxCopy | undefined): void => {
      this.transfers.update(ref.root, { mailbox: state });
      this.emit('changed', [ref.root]);
    };
    if (!mailbox || !credential) return copy(undefined);
    const refusal = await copyToMailbox(mailbox.client, credential, this.parts.store, ref, writerKey, copy);
    if (refusal) this.emit('error', [new ClientError('mailbox-file-refused', { cause: refusal.cause, detail: { name: ref.name, reason: refusal.reason, conversation } })]);
  }

  /**
   * Fetches a file that was not fetched automatically, or was cancelled; one that would take
   * the conversation's media past this device's budget is refused with `media-budget`.
   */
  download(session: ConversationSession, ref: FileRef): void {
    // Only a file of a message the timeline shows (a deleted one has none).
    const event = session.timeline.entries.find((e) => e.file?.root === ref.root)?.id;
    if (!event) return;
    void this.rules.fits(session.id, ref).then((fits) => {
      if (fits) return this.fetch(session.id, ref, event);
      this.transfers.update(ref.root, { overBudget: true });
      this.emit('changed', [ref.root]);
      this.emit('error', [this.overBudget(ref.name, session.id)]);
    });
  }

  /** Stops fetching a file on this device; members serving it are told. */
  cancel(root: string): void {
    this.exchange.cancel(root);
    this.opener.stop(root);
    const view = this.transfers.update(root, { state: 'cancelled' });
    if (view) this.emit('changed', [root]);
  }

  /** Bytes this device stores for media, per conversation: what it sent and what it downloaded. */
  usage(): Promise<Map<Topic, MediaUsage>> {
    return this.rules.usage();
  }

  /**
   * Deletes the media this device downloaded in a conversation (never what it sent: others
   * may still need it from here). They can be downloaded again while a member has them.
   */
  async clearDownloaded(conversation: Topic): Promise<void> {
    for (const f of await this.parts.store.files(conversation)) {
      if (f.sent) continue;
      this.exchange.cancel(f.root);
      this.opener.stop(f.root);
      await this.parts.store.remove(f.root);
      const url = this.transfers.get(f.root)?.url;
      if (url) URL.revokeObjectURL(url);
      this.transfers.update(f.root, { state: 'idle', done: 0, url: null });
      this.emit('changed', [f.root]);
    }
  }

  override destroy(): void {
    for (const { stop } of this.followed.values()) stop();
    this.followed.clear();
    this.opener.destroy();
    this.owned.dispose();
    this.transfers.clear();
    super.destroy();
  }

  private async onEvents(session: ConversationSession, wants: FileWants, events: readonly ConversationEvent[]): Promise<void> {
    const targets = events.flatMap((e) => (e.kind === 'delete' ? [e.target] : []));
    if (targets.length === 0 && !events.some((e) => e.kind === 'message' && e.file)) return;
    // Decided by the rules `resume` follows (conversation-files.ts), on the timeline as it
    // stands once loaded: a row it hides is not fetched before its key derives here, and a
    // delete erases a file only if its author sent it (any member can send one, aimed at any id).
    await session.loaded;
    for (const target of wants.deletedOf(targets)) void this.forget(session.id, target);
    for (const f of await wants.arrived(events)) void this.arrived(session.id, f, f.mine);
  }

  /**
   * A message was deleted for everyone: its file's chunks, hash list and record go, so the
   * space comes back, and this device stops fetching it and serving it (docs/architecture.md §14.3).
   */
  private async forget(conversation: Topic, event: string): Promise<void> {
    for (const f of await this.parts.store.files(conversation).catch(() => [])) if (f.event === event) await this.forgetFile(conversation, f);
  }

  private async forgetFile(conversation: Topic, f: StoredFile): Promise<void> {
    // The sender also takes its pieces off the server: nobody may fetch a deleted file.
    const client = this.parts.mailbox?.client;
    if (client && f.mailboxCopy) void deleteFromMailbox(client, this.followed.get(conversation)?.session, f.root, f.mailboxCopy).catch((error) => this.logger.warn('a deleted file stays in the mailbox until it expires', { error: errorField(error) }));
    await this.drop(conversation, f);
  }

  /** The refusal of a file that would take a conversation's media past this device's budget. */
  private overBudget(name: string, conversation: Topic): ClientError {
    return new ClientError('media-budget', { detail: { name, max: this.rules.budgetBytes, conversation } });
  }

  /** Erases a conversation's files here (deleted on this device); its mailbox copies stay for the others. */
  async eraseConversation(conversation: Topic): Promise<void> {
    this.unfollow(conversation);
    for (const f of await this.parts.store.files(conversation)) await this.drop(conversation, f);
  }

  /** Removes one stored file and everything this device does with it. */
  private async drop(conversation: Topic, f: StoredFile): Promise<void> {
    this.exchange.cancel(f.root);
    this.opener.forget(f.root);
    if (f.sent) this.exchange.withdraw(conversation, f.root);
    await this.parts.store.remove(f.root).catch((error) => this.logger.warn('a deleted file was not removed', { error: errorField(error) }));
    this.served.forget(f.root);
    this.transfers.drop(f.root);
    this.emit('changed', [f.root]);
  }

  /** Picks up the conversation's files this device should have, shown or not (conversation-files.ts). */
  private async resume(session: ConversationSession, wants: FileWants): Promise<void> {
    await session.loaded;
    const { wanted, deleted } = await wants.all();
    for (const f of wanted) void this.arrived(session.id, f, f.mine);
    // Messages deleted while this device was away still hold their chunks here.
    for (const f of await this.parts.store.files(session.id).catch(() => [])) if (deleted.has(f.event)) await this.forgetFile(session.id, f);
  }

  private async arrived(conversation: Topic, event: { id: string; file: FileRef }, mine: boolean): Promise<void> {
    const ref = event.file;
    if (this.transfers.get(ref.root)) return;
    // Deleted already (the deletion arrived first): nothing to fetch or keep.
    if (this.deletedHere(conversation, event.id)) return;
    const store = this.parts.store;
    let record = await store.file(ref.root).catch(() => null);
    if (record && record.conversation !== conversation) return;
    // The key is kept with the record while the epoch's secret is here: it is deleted some
    // time after the epoch ends (§4.7), and the file must still open then.
    const key = record?.key ?? (await fileKeyOf(this.followed.get(conversation)?.session, ref));
    const unsaved = (error: unknown): void => this.logger.warn('file record not saved', { error: errorField(error) });
    if (record && key && !record.key) {
      // Added to the record as stored now: one erased meanwhile ("Clear downloaded media")
      // is not brought back as it was read (complete, with no chunks), but recorded afresh.
      await store.amendFile(ref.root, { key }).catch(unsaved);
      record = await store.file(ref.root).catch(() => null);
    }
    if (!record) {
      record = this.receivedRecord(conversation, ref, event.id, key);
      await store.putFile(record).catch(unsaved);
    }
    if (this.transfers.get(ref.root)) return;
    // Deleted while the record was written: the deletion found nothing to erase then.
    if (this.deletedHere(conversation, event.id)) return this.forgetFile(conversation, record);
    const direction = record.sent ? 'send' : 'receive';
    // A file checked whole earlier streams from the service worker instead of a Blob (its
    // Download link fetches it through the worker: FileViews.save).
    const streamed = record.complete && record.key ? this.servedUrl(conversation, ref.root) : null;
    this.transfers.set(ref.root, { root: ref.root, name: ref.name, size: ref.size, chunk: ref.chunk, direction, state: record.complete ? 'done' : 'idle', done: record.complete ? ref.size : 0, url: streamed });
    this.emit('changed', [ref.root]);
    if (record.complete || mine || !this.rules.downloadsItself(ref, mediaKind(ref.type) === 'image')) return;
    // A file that would pass the conversation's budget waits, and its card says why.
    if (record.bytes > 0 || (await this.rules.fits(conversation, ref))) await this.fetch(conversation, ref, event.id);
    else {
      this.transfers.update(ref.root, { overBudget: true });
      this.emit('changed', [ref.root]);
    }
  }

  /** Fetches the file of the message `event` (its id: a record must say whose file it is, or no deletion finds it). */
  private async fetch(conversation: Topic, ref: FileRef, event: string): Promise<void> {
    const running = this.exchange.running(ref.root);
    if (running) return;
    const store = this.parts.store;
    // A record first (it may have been cleared): this device serves what it holds on to others.
    const record = await store.file(ref.root);
    const key = ref.key ?? record?.key ?? (await this.deriveKey(conversation, ref));
    // Deleted while this waited (a record it wrote may have been erased meanwhile).
    if (this.deletedHere(conversation, event)) return record ? this.forgetFile(conversation, record) : undefined;
    const written = record ?? this.receivedRecord(conversation, ref, event, key);
    if (!record) await store.putFile(written);
    const [hashes, have, side] = await Promise.all([store.hashes(ref.root), store.indices(ref.root), mailboxSideOf(this.parts.mailbox?.client, this.followed.get(conversation)?.session, ref)]);
    // Deleted meanwhile: nothing was running for the deletion to cancel, so nothing starts.
    if (this.deletedHere(conversation, event)) return this.forgetFile(conversation, written);
    const sink = storeSink(store, ref.root, this.opener.startEarly(ref, key, have, this.servedUrl(conversation, ref.root)));
    const fetch = this.exchange.fetch({ room: conversation, ref, hashes, have, sink, side });
    this.transfers.update(ref.root, { state: fetch.received > 0 ? 'moving' : 'waiting', done: fetch.received, overBudget: false });
    this.emit('changed', [ref.root]);
    fetch.on('progress', () => {
      if (fetch.state === 'cancelled') return;
      const before = this.transfers.get(ref.root)?.state;
      const state = fetch.received > 0 ? 'moving' : 'waiting';
      this.transfers.update(ref.root, { state, done: fetch.received });
      this.emit(before === state ? 'progress' : 'changed', [ref.root]);
    });
    fetch.on('failed', (error) => {
      this.opener.stop(ref.root);
      this.transfers.update(ref.root, { state: 'failed' });
      this.emit('error', [new ClientError('storage-failed', { cause: error, detail: { what: 'file' } })]);
      this.emit('changed', [ref.root]);
    });
    fetch.on('done', () => void this.opener.finished(ref));
    // Every chunk was stored already (a fetch that ended before its file was opened): the
    // fetch finished as it started, before anyone listened.
    if (fetch.state === 'done') void this.opener.finished(ref);
  }

  /**
   * The message `event` was deleted for everyone. Checked again after each wait on the way
   * to a fetch: a deletion that arrives during one finds no record or no running fetch to
   * erase, and the file would be fetched and kept.
   */
  private deletedHere(conversation: Topic, event: string): boolean {
    return this.followed.get(conversation)?.wants.deleted(event as EventId) === true;
  }

  /** Where the service worker serves a complete file, or null where none controls the page (§14.4). */
  private servedUrl(conversation: Topic, root: string): string | null {
    return this.parts.serve?.(conversation, root) ?? null;
  }

  /** The record of a file this device is to receive, before any of it is stored. */
  private receivedRecord(conversation: Topic, ref: FileRef, event: string, key: string | null): StoredFile {
    return { root: ref.root, conversation, event, name: ref.name, type: ref.type, size: ref.size, chunk: ref.chunk, bytes: 0, complete: false, sent: false, at: this.now(), ...(key ? { key } : {}) };
  }

  private deriveKey(conversation: Topic, ref: FileRef): Promise<string | null> {
    return fileKeyOf(this.followed.get(conversation)?.session, ref);
  }
}
