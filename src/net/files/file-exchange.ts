/**
 * Files over the mesh (docs/architecture.md §14.2): routes the file frames of every
 * conversation to the holder's side (`FileServer`) or to the fetch of that file
 * (`FileFetch`), and tells fetches when members come and go. Frames reach it only from links
 * that proved membership of the conversation (the mesh gates them like sync frames); a
 * malformed one drops the link.
 */
import { ObservableV2 } from 'lib0/observable';
import type { FileRef } from '../../core/files/file-ref.js';
import { Disposables } from '../../core/lifecycle.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { Frame } from '../framing.js';
import type { Mesh } from '../mesh.js';
import type { RoomId } from '../mesh-types.js';
import type { PeerLink } from '../peer-link.js';
import type { BulkHost } from './bulk-lane.js';
import { LinkDataPath, type DataPathCounts, type FileDataPath } from './data-path.js';
import { FileFetch, type FetchSink, type SideSource } from './file-fetch.js';
import { decodeFileFrame, FileFrameError, fileFramePieces, type FileFrame } from './file-frames.js';
import { FileServer, type FileHolder, type FileServerEvents } from './file-server.js';

export type { FetchSink, SideSource } from './file-fetch.js';
export type { FileHolder } from './file-server.js';

export interface FileExchangeParts {
  readonly mesh: Mesh;
  readonly holder: FileHolder;
  readonly logger?: Logger;
  /** Where chunks are checked and which channel they take (default: links' own channels, and their bulk channels where they have them). */
  readonly path?: FileDataPath;
  /** The page's bulk worker (docs/architecture.md §14.2), told every file fetched here; none in Node. */
  readonly bulk?: BulkHost;
}

export interface FetchRequest {
  readonly room: RoomId;
  readonly ref: Pick<FileRef, 'size' | 'chunk' | 'root'>;
  readonly hashes: Uint8Array | null;
  readonly have: ReadonlySet<number>;
  readonly sink: FetchSink;
  readonly side?: SideSource | null;
}

export class FileExchange extends ObservableV2<FileServerEvents> {
  private readonly server: FileServer;
  private readonly fetches = new Map<string, FileFetch>();
  private readonly owned = new Disposables();
  private readonly logger: Logger;
  private readonly path: FileDataPath;

  constructor(private readonly parts: FileExchangeParts) {
    super();
    this.logger = parts.logger ?? silentLogger;
    this.path = parts.path ?? new LinkDataPath(parts.bulk ?? null, (lane) => parts.mesh.links().find(({ link }) => link.bulkLane === lane)?.link);
    this.server = new FileServer({
      holder: parts.holder,
      send: (room, link, frame) => this.send(room, link, frame),
      drop: (link, detail) => this.drop(link, 'bad-file-frame', detail),
    });
  }

  start(): this {
    const mesh = this.owned.listenTo(this.parts.mesh);
    mesh.on('file', (room, link, frame) => this.onFrame(room, link, frame));
    mesh.on('room-links', () => this.pokeAll());
    mesh.on('links', () => {
      for (const { link } of this.parts.mesh.links()) {
        if (link.isClosed) {
          this.server.forget(link);
          this.path.forgetLink(link);
        } else this.path.watch(link);
      }
      this.pokeAll();
    });
    const path = this.owned.listenTo(this.path);
    path.on('checked', (link, root, index, bytes) => this.fetches.get(root)?.onChecked(link, index, bytes));
    path.on('lost', (link) => {
      for (const fetch of this.fetches.values()) fetch.laneLost(link);
    });
    path.on('bad', (link, reason, detail) => {
      this.drop(link, reason, detail);
      this.pokeAll();
    });
    this.owned.add(() => this.path.destroy());
    const server = this.owned.listenTo(this.server);
    server.on('served', (...args) => this.emit('served', args));
    server.on('cancelled', (...args) => this.emit('cancelled', args));
    this.owned.add(() => this.server.destroy());
    return this;
  }

  /** Starts fetching a file (or returns the fetch already running for it). */
  fetch(request: FetchRequest): FileFetch {
    const running = this.fetches.get(request.ref.root);
    if (running && (running.state === 'hashes' || running.state === 'chunks')) return running;
    const fetch = new FileFetch({
      ...request,
      links: () => this.parts.mesh.roomLinks(request.room),
      send: (link, frame) => this.send(request.room, link, frame),
      drop: (link, detail) => this.drop(link, 'bad-file-chunk', detail),
      gate: this.path,
      // A ready bulk lane means the holder sends this link's chunks to the bulk worker.
      paced: (link) => link.bulkLane?.ready !== true,
    });
    this.fetches.set(request.ref.root, fetch);
    const forget = (): void => {
      if (this.fetches.get(request.ref.root) !== fetch) return;
      this.fetches.delete(request.ref.root);
      this.path.forget(request.ref.root);
    };
    fetch.on('done', forget);
    fetch.on('failed', forget);
    return fetch.start();
  }

  /** The fetch of a file under way, if any. */
  running(root: string): FileFetch | undefined {
    return this.fetches.get(root);
  }

  /** Stops fetching a file; the members serving it are told. */
  cancel(root: string): void {
    const fetch = this.fetches.get(root);
    if (!fetch) return;
    this.fetches.delete(root);
    this.path.forget(root);
    fetch.cancel();
    fetch.destroy();
  }

  /** Chunks counted by the way they came and went (docs/architecture.md §14.2, "The data path"). */
  get dataCounts(): Readonly<DataPathCounts> {
    return this.path.counts;
  }

  /** Stops serving a file this device sent; every member syncing `room` is told. */
  withdraw(room: RoomId, root: string): void {
    this.server.withdraw(root, this.parts.mesh.roomLinks(room).map((link) => ({ room, link })));
  }

  /** Serves a file again after `withdraw` (it was sent anew). */
  restore(root: string): void {
    this.server.restore(root);
  }

  override destroy(): void {
    for (const fetch of this.fetches.values()) fetch.destroy();
    this.fetches.clear();
    this.owned.dispose();
    super.destroy();
  }

  private onFrame(room: RoomId, link: PeerLink, raw: Frame): void {
    let frame: FileFrame;
    try {
      frame = decodeFileFrame(raw.kind, raw.payload);
    } catch (error) {
      return this.drop(link, 'bad-file-frame', error instanceof FileFrameError ? error.message : 'bad file frame');
    }
    if (frame.type === 'get') {
      // About to serve on this link: its bulk connection opens if it has none (it was asked
      // for by a get from here already where the asker is this build).
      link.wantBulk();
      return this.server.handle(room, link, frame);
    }
    if (frame.type === 'cancel' && frame.by === 'asker') return this.server.handle(room, link, frame);
    // A chunk is checked by the data path (a chunk of a file nobody fetched is the link's fault there).
    if (frame.type === 'data' && frame.part === 'chunks') return this.path.take(link, frame.root, frame.index, frame.bytes);
    // Pieces of a file nobody here is fetching (any more) are ignored: a late answer.
    this.fetches.get(frame.root)?.onFrame(link, frame);
  }

  private send(room: RoomId, link: PeerLink, frame: FileFrame): void {
    const doc = this.parts.mesh.room(room)?.docId;
    if (!doc || link.isClosed) return;
    // A chunk goes by the link's bulk channel where the remote's bulk worker listens.
    if (frame.type === 'data' && frame.part === 'chunks' && this.path.send(link, frame.root, frame.index, frame.bytes)) return;
    // A file moves on this link: its bulk connection opens now (docs/architecture.md §14.2),
    // while the get and its first answers go on the link's own channel.
    if (frame.type === 'get') link.wantBulk();
    const { kind, payload } = fileFramePieces(frame);
    link.send({ kind, doc, payload });
  }

  private drop(link: PeerLink, reason: 'bad-file-frame' | 'bad-file-chunk', detail: string): void {
    this.logger.warn(`file transfer: ${detail}`);
    link.close(reason, detail);
  }

  private pokeAll(): void {
    for (const fetch of this.fetches.values()) fetch.poke();
  }
}
