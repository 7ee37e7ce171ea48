/**
 * What the bulk worker does (docs/architecture.md §14.2, "The bulk channel"), apart from
 * being a worker: it owns each link's bulk channel, says `ready` on it, sends the chunks the
 * page hands it with the channel's backpressure, and checks every chunk that comes in
 * (`ChunkGate`) before it goes to the page in batches, moved rather than copied. The page's
 * thread thus sees one message per batch instead of one per chunk, and never hashes a chunk.
 *
 * `bulk-worker.ts` runs it in a dedicated worker; tests run it in-process over fake channels.
 */
import { ChunkGate, type GateFault, type GateFile } from './chunk-gate.js';
import { BULK_VERSION, BulkFrameError, decodeBulkFrame, encodeReady } from './bulk-wire.js';

/** The part of RTCDataChannel the worker uses (tests pass their own). */
export interface BulkChannel {
  readonly readyState: RTCDataChannelState;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  binaryType: BinaryType;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'bufferedamountlow' | 'message', listener: (e: Event) => void): void;
}

export type ToBulkWorker =
  | { readonly t: 'open'; readonly lane: number; readonly channel: BulkChannel }
  | { readonly t: 'close'; readonly lane: number }
  | { readonly t: 'file'; readonly root: string; readonly file: GateFile }
  | { readonly t: 'forget'; readonly root: string }
  | { readonly t: 'direct'; readonly root: string; readonly port: ChunkPort | null }
  | { readonly t: 'send'; readonly lane: number; readonly frame: Uint8Array<ArrayBuffer> };

export type FromBulkWorker =
  | { readonly t: 'ready'; readonly lane: number }
  | { readonly t: 'closed'; readonly lane: number }
  | { readonly t: 'chunks'; readonly lane: number; readonly root: string; readonly chunks: ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array<ArrayBuffer> }> }
  | { readonly t: 'checked'; readonly lane: number; readonly root: string; readonly indices: readonly number[] }
  | { readonly t: 'bad'; readonly lane: number; readonly reason: GateFault; readonly detail: string };

/** What goes on a file's `ChunkPort`: checked chunks of its root, each in a buffer of its own (moved). */
export interface DirectChunks {
  readonly lane: number;
  readonly chunks: ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array<ArrayBuffer> }>;
}

/** The part of MessagePort the worker uses: the opening worker of a fetch is at its other end. */
export interface ChunkPort {
  postMessage(message: DirectChunks, transfer: Transferable[]): void;
  close(): void;
}

export type PostToPage = (message: FromBulkWorker, transfer?: Transferable[]) => void;

/**
 * Chunks are handed to the channel while it holds less than HIGH_WATER (three 64 KiB chunks
 * at most), and again once it drained to LOW_WATER. A channel's buffer is what its
 * association has not sent yet; packets in flight are not in it. So a small buffer still keeps
 * a long path full, as long as the worker refills it before the last 64 KiB leave.
 *
 * It was 1 MiB. With that much waiting, a fresh association's slow start sent bursts that the
 * browser discarded (`packetsDiscardedOnSend`). In 5 of 6 runs the first 50 MiB on a new
 * connection then waited out a retransmission timeout, taking 2.7–3.5 s; the next transfers
 * took 1.6–1.9 s. With 96 or 192 KiB, 11 of 12 first transfers took 1.9–2.7 s, and later ones
 * were as fast as before (docs/files-measured.md, thirteenth round).
 */
const HIGH_WATER = 192 * 1024;
const LOW_WATER = 64 * 1024;
/** Checked chunks go to the page in batches of about this much, or after BATCH_MS. */
const BATCH_BYTES = 512 * 1024;
const BATCH_MS = 5;

interface Lane {
  readonly channel: BulkChannel;
  readonly queue: Uint8Array<ArrayBuffer>[];
  remoteReady: boolean;
  closed: boolean;
}

export class BulkCore {
  private readonly lanes = new Map<number, Lane>();
  private readonly gate: ChunkGate<number>;
  /** Checked chunks not yet posted, per lane and root. */
  private batch = new Map<string, { lane: number; root: string; chunks: { index: number; bytes: Uint8Array<ArrayBuffer> }[] }>();
  private batchBytes = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /**
   * Files whose checked chunks go straight to their fetch's opening worker (docs/architecture.md
   * §14.2, "Worker to worker"); the page hears only their indices, so a busy page does not hold
   * them up.
   */
  private readonly ports = new Map<string, ChunkPort>();

  constructor(private readonly post: PostToPage) {
    this.gate = new ChunkGate<number>({
      checked: (lane, root, index, bytes) => this.checked(lane, root, index, bytes),
      bad: (lane, reason, detail) => this.bad(lane, reason, detail),
    }, { unknown: 'fault', perKey: false });
  }

  /** One message from the page. */
  handle(message: ToBulkWorker): void {
    switch (message.t) {
      case 'open':
        return this.open(message.lane, message.channel);
      case 'close':
        return this.close(message.lane, false);
      case 'file':
        return this.gate.file(message.root, message.file);
      case 'forget':
        this.unport(message.root);
        return this.gate.forget(message.root);
      case 'direct':
        this.unport(message.root);
        if (message.port) this.ports.set(message.root, message.port);
        return;
      case 'send': {
        const lane = this.lanes.get(message.lane);
        if (!lane || lane.closed) return;
        lane.queue.push(message.frame);
        return this.pump(lane);
      }
    }
  }

  private open(id: number, channel: BulkChannel): void {
    const lane: Lane = { channel, queue: [], remoteReady: false, closed: false };
    this.lanes.set(id, lane);
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = LOW_WATER;
    const sayReady = (): void => this.sendNow(lane, encodeReady(lane.remoteReady));
    if (channel.readyState === 'open') sayReady();
    else channel.addEventListener('open', sayReady);
    channel.addEventListener('bufferedamountlow', () => this.pump(lane));
    channel.addEventListener('close', () => this.close(id, true));
    channel.addEventListener('message', (e) => this.receive(id, lane, (e as MessageEvent).data));
  }

  private receive(id: number, lane: Lane, data: unknown): void {
    if (lane.closed) return;
    if (!(data instanceof ArrayBuffer)) return this.bad(id, 'bad-file-frame', 'a bulk frame that is not binary');
    let frame;
    try {
      frame = decodeBulkFrame(new Uint8Array(data));
    } catch (error) {
      return this.bad(id, 'bad-file-frame', error instanceof BulkFrameError ? error.message : 'bad bulk frame');
    }
    if (frame.type === 'ready') {
      // Another version's worker speaks another language: this side keeps to the link's own channel.
      if (frame.version !== BULK_VERSION || lane.remoteReady) return;
      lane.remoteReady = true;
      // Whoever listened first did not hear the other's first `ready` if it came too early: answer it.
      if (!frame.seen) this.sendNow(lane, encodeReady(true));
      this.post({ t: 'ready', lane: id });
      return;
    }
    this.gate.take(id, frame.root, frame.index, frame.bytes);
  }

  private pump(lane: Lane): void {
    const { channel, queue } = lane;
    while (queue.length > 0 && !lane.closed && channel.readyState === 'open' && channel.bufferedAmount < HIGH_WATER) this.sendNow(lane, queue.shift()!);
  }

  private sendNow(lane: Lane, bytes: Uint8Array<ArrayBuffer>): void {
    try {
      lane.channel.send(bytes);
    } catch {
      // The channel is closing: its close event ends the lane.
    }
  }

  private checked(lane: number, root: string, index: number, bytes: Uint8Array<ArrayBuffer>): void {
    const key = `${lane}\n${root}`;
    let entry = this.batch.get(key);
    if (!entry) this.batch.set(key, (entry = { lane, root, chunks: [] }));
    entry.chunks.push({ index, bytes });
    this.batchBytes += bytes.length;
    if (this.batchBytes >= BATCH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.batch;
    this.batch = new Map();
    this.batchBytes = 0;
    for (const { lane, root, chunks } of batch.values()) {
      if (this.lanes.get(lane)?.closed !== false) continue;
      const port = this.ports.get(root);
      if (!port) {
        this.post({ t: 'chunks', lane, root, chunks }, chunks.map((c) => c.bytes.buffer));
        continue;
      }
      // The page may hear from the opening worker that they were stored before it hears this.
      port.postMessage({ lane, chunks }, chunks.map((c) => c.bytes.buffer));
      this.post({ t: 'checked', lane, root, indices: chunks.map((c) => c.index) });
    }
  }

  private unport(root: string): void {
    this.ports.get(root)?.close();
    this.ports.delete(root);
  }

  private bad(lane: number, reason: GateFault, detail: string): void {
    this.post({ t: 'bad', lane, reason, detail });
    this.close(lane, false);
  }

  private close(id: number, tell: boolean): void {
    const lane = this.lanes.get(id);
    if (!lane || lane.closed) return;
    lane.closed = true;
    lane.queue.length = 0;
    this.lanes.delete(id);
    this.gate.forgetKey(id);
    try {
      lane.channel.close();
    } catch {
      // Already closed.
    }
    if (tell) this.post({ t: 'closed', lane: id });
  }
}
