/**
 * The page's side of the bulk channels (docs/architecture.md §14.2, "The bulk channel").
 *
 * When a file first moves on a direct link, its transport makes the link's bulk connection (an
 * RTCPeerConnection of its own, offered over the link's DTLS: bulk-connection.ts), creates on
 * it a data channel negotiated with a fixed id (`BULK_CHANNEL_ID`) and hands it at once to the
 * page's one bulk worker
 * (`BulkHost.open`). Its fingerprints came over the link's connection, so its peer is the one
 * the link's hello proved: no handshake of its own. The worker says `ready` on
 * it; only once the remote's worker said so too (`BulkLane.ready`) does this side send file
 * chunks there. Peers with no such worker (Node, older builds) never say it, and chunks to
 * them, and from them, keep to the link's own channel.
 */
import { ObservableV2 } from 'lib0/observable';
import type { GateFault, GateFile } from './chunk-gate.js';
import type { BulkChannel, ChunkPort, FromBulkWorker, ToBulkWorker } from './bulk-core.js';
import { BULK_CHANNEL_ID, encodeBulkData } from './bulk-wire.js';

/** What the page sees of the bulk worker (tests run `BulkCore` behind one). */
export interface BulkWorkerLike {
  postMessage(message: ToBulkWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<FromBulkWorker>) => void) | null;
  onerror?: ((e: Event) => void) | null;
  terminate(): void;
}

export type BulkLaneEvents = {
  /** The remote's worker listens: chunks may go on this lane. */
  ready: () => void;
  /** Checked chunks of `root` that came on this lane, each in a buffer of its own. */
  chunks: (root: string, chunks: ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array }>) => void;
  /** The remote broke the rules on this lane (the link is to be dropped and penalized). */
  bad: (reason: GateFault, detail: string) => void;
  /** The lane is gone. */
  close: () => void;
};

export class BulkLane extends ObservableV2<BulkLaneEvents> {
  private isReady = false;
  private closed = false;

  constructor(
    readonly host: BulkHost,
    readonly id: number,
  ) {
    super();
  }

  /** True once the remote's worker said it listens, until the lane closes. */
  get ready(): boolean {
    return this.isReady && !this.closed;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends a chunk of `root` on this lane; false when it cannot (not ready, or too large for one message). */
  send(root: string, index: number, bytes: Uint8Array): boolean {
    if (!this.ready) return false;
    const frame = encodeBulkData(root, index, bytes);
    if (!frame) return false;
    this.host.post({ t: 'send', lane: this.id, frame }, [frame.buffer]);
    return true;
  }

  /** Closes the bulk channel (the link's transport closed). */
  close(): void {
    if (this.closed) return;
    this.host.post({ t: 'close', lane: this.id });
    this.ended();
  }

  /** From the host: the worker's news about this lane. */
  heard(message: FromBulkWorker): void {
    if (this.closed) return;
    switch (message.t) {
      case 'ready':
        this.isReady = true;
        return this.emit('ready', []);
      case 'chunks':
        return this.emit('chunks', [message.root, message.chunks]);
      case 'checked':
        return;
      case 'bad':
        this.emit('bad', [message.reason, message.detail]);
        return this.ended();
      case 'closed':
        return this.ended();
    }
  }

  private ended(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.lost(this.id);
    this.emit('close', []);
    this.destroy();
  }
}

export interface BulkHostOptions {
  /** Starts the worker (`src/client/files/bulk-worker.ts` in the app; tests run BulkCore in-process). */
  readonly spawn: () => BulkWorkerLike;
}

export type BulkHostEvents = {
  /** The remote's worker listens on `lane` (a lane opens when a link's first file moves, after the fetch asked). */
  ready: (lane: BulkLane) => void;
  /** Checked chunks that came on `lane` (also on the lane itself). */
  chunks: (lane: BulkLane, root: string, chunks: ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array }>) => void;
  /** Checked chunks of `root` that came on `lane` and went to its fetch's opening worker (`direct`): their indices. */
  checked: (lane: BulkLane, root: string, indices: readonly number[]) => void;
  /** The remote broke the rules on `lane`, which is closing. */
  bad: (lane: BulkLane, reason: GateFault, detail: string) => void;
};

/**
 * One per page: the bulk worker, started with the first lane. Its events name the lane, so
 * whoever fetches hears every lane's chunks, also of a lane that opened after it asked (a
 * link that began on the relay).
 */
export class BulkHost extends ObservableV2<BulkHostEvents> {
  private worker: BulkWorkerLike | null = null;
  private failed = false;
  private next = 1;
  private readonly lanes = new Map<number, BulkLane>();
  /** Files whose hash list the worker has (or gets when it starts: it starts with the first lane). */
  private readonly files = new Map<string, GateFile>();
  /** Ports to opening workers not yet handed to the worker (it starts with the first lane). */
  private readonly ports = new Map<string, MessagePort>();

  constructor(private readonly options: BulkHostOptions) {
    super();
  }

  /**
   * Creates the bulk channel on `pc` and moves it to the worker, in the task that created it
   * (a data channel can be transferred only before it dispatched anything). Null where this
   * browser cannot (no worker, a channel that does not transfer): the link keeps to its own channel.
   */
  open(pc: RTCPeerConnection): BulkLane | null {
    const worker = this.started();
    if (!worker) return null;
    let channel: RTCDataChannel;
    try {
      channel = pc.createDataChannel('parley-bulk', { negotiated: true, id: BULK_CHANNEL_ID, ordered: true });
    } catch {
      return null;
    }
    const lane = new BulkLane(this, this.next++);
    try {
      worker.postMessage({ t: 'open', lane: lane.id, channel: channel as unknown as BulkChannel }, [channel as unknown as Transferable]);
    } catch {
      channel.close();
      return null;
    }
    this.lanes.set(lane.id, lane);
    return lane;
  }

  /** Gives the worker a file's checked hash list (once per file). */
  file(root: string, file: GateFile): void {
    if (this.files.has(root)) return;
    this.files.set(root, file);
    this.post({ t: 'file', root, file });
  }

  /**
   * `root`'s checked chunks go to `port` (its fetch's opening worker) from now on, and this
   * page hears only their indices (`checked`); with null, to the page again (the opening
   * worker ended). False where no bulk worker can run.
   */
  direct(root: string, port: MessagePort | null): boolean {
    if (this.failed) return false;
    this.unport(root);
    if (this.worker) this.worker.postMessage({ t: 'direct', root, port: port as unknown as ChunkPort | null }, port ? [port] : []);
    else if (port) this.ports.set(root, port);
    return true;
  }

  /** The fetch of `root` ended: the worker ignores its late chunks. */
  forget(root: string): void {
    this.unport(root);
    if (!this.files.delete(root)) return;
    this.post({ t: 'forget', root });
  }

  /** Closes a port to `root`'s opening worker that the worker was not handed yet. */
  private unport(root: string): void {
    this.ports.get(root)?.close();
    this.ports.delete(root);
  }

  /** Ends the worker (tests, and a page going away). */
  override destroy(): void {
    for (const lane of [...this.lanes.values()]) lane.close();
    this.worker?.terminate();
    this.worker = null;
    super.destroy();
  }

  /** @internal for lanes */
  post(message: ToBulkWorker, transfer: Transferable[] = []): void {
    this.worker?.postMessage(message, transfer);
  }

  /** @internal for lanes */
  lost(id: number): void {
    this.lanes.delete(id);
  }

  private started(): BulkWorkerLike | null {
    if (this.worker || this.failed) return this.worker;
    try {
      this.worker = this.options.spawn();
    } catch {
      this.failed = true;
      return null;
    }
    this.worker.onmessage = (e) => {
      const message = e.data;
      const lane = this.lanes.get(message.lane);
      if (!lane) return;
      // Before the lane hears it: a lane at fault closes, and its link no longer names it.
      if (message.t === 'chunks') this.emit('chunks', [lane, message.root, message.chunks]);
      else if (message.t === 'checked') this.emit('checked', [lane, message.root, message.indices]);
      else if (message.t === 'bad') this.emit('bad', [lane, message.reason, message.detail]);
      lane.heard(message);
      if (message.t === 'ready' && lane.ready) this.emit('ready', [lane]);
    };
    this.worker.onerror = () => {
      // A worker that does not load (or crashed): chunks go in-band again.
      this.failed = true;
      this.worker?.terminate();
      this.worker = null;
      for (const lane of [...this.lanes.values()]) lane.heard({ t: 'closed', lane: lane.id });
    };
    // Files fetched before the first lane opened (a page that resumes its fetches at start).
    for (const [root, file] of this.files) this.worker.postMessage({ t: 'file', root, file });
    for (const [root, port] of this.ports) this.worker.postMessage({ t: 'direct', root, port: port as unknown as ChunkPort }, [port]);
    this.ports.clear();
    return this.worker;
  }
}
