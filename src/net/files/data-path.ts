/**
 * The data path of file transfer (docs/architecture.md §14.2, "The data path"): where a
 * link's file chunks are checked on their way in, and which channel they leave by.
 *
 * The fetch's control (which chunks from whom, windows, pacing, timeouts, penalties) and
 * the holder's authorization of requests stay on the page; only the chunks' bytes take this
 * path. Chunks that come in-band (on the link's own channel: Node peers, the relay, older
 * builds, and anyone before its bulk worker said `ready`) are checked here on the page's
 * thread. Chunks on a link's bulk channel are checked in the page's bulk worker, by the same
 * rules (`ChunkGate`), and arrive here already checked, in batches. Either way the fetch
 * hears `checked`, or `bad` for a link to drop.
 */
import { ObservableV2 } from 'lib0/observable';
import type { PeerLink } from '../peer-link.js';
import type { BulkHost, BulkHostEvents, BulkLane } from './bulk-lane.js';
import { ChunkGate, NOBODY_ASKED, type GateFault, type GateFile } from './chunk-gate.js';

export type DataPathEvents = {
  /**
   * A chunk of `root` from `link` matched its hash; `bytes` is a buffer of its own, or null
   * when the bulk worker sent it on to the fetch's opening worker (`direct`).
   */
  checked: (link: PeerLink, root: string, index: number, bytes: Uint8Array | null) => void;
  /** `link` broke the rules: drop and penalize it. */
  bad: (link: PeerLink, reason: GateFault, detail: string) => void;
  /**
   * `link`'s bulk channel closed while the link stays (its connection of its own failed):
   * chunks it was asked for may never come, and it now answers in-band.
   */
  lost: (link: PeerLink) => void;
};

/** Chunks counted on each way, in and out (tests and the bench read them). */
export interface DataPathCounts {
  /** Chunks received on links' own channels. */
  inBand: number;
  /** Chunks received on bulk channels. */
  bulk: number;
  /** Of those, chunks whose bytes went from the bulk worker straight to the opening worker (`direct`). */
  direct: number;
  /** Chunks sent on links' own channels. */
  sentInBand: number;
  /** Chunks sent on bulk channels. */
  sentBulk: number;
}

/** The seam between a fetch (and a holder) and the bytes of chunks. */
export interface FileDataPath extends ObservableV2<DataPathEvents> {
  /** A fetch has the checked hash list of a file: its chunks may be taken. */
  file(root: string, file: GateFile): void;
  /** `link` is about to be asked for chunks of `root` (after `file`). */
  announce(link: PeerLink, root: string): void;
  /** A chunk that came in-band on `link`. */
  take(link: PeerLink, root: string, index: number, bytes: Uint8Array): void;
  /** The fetch of `root` ended: late chunks of it are ignored. */
  forget(root: string): void;
  /**
   * `root`'s chunks that come on bulk channels go, once checked, to `port` (the fetch's opening
   * worker), and `checked` names them with null bytes; with null, to this page again. False
   * where no bulk worker runs.
   */
  direct(root: string, port: MessagePort | null): boolean;
  /** Watches a link's bulk lane for faults (every link, also those never asked for anything). */
  watch(link: PeerLink): void;
  /** `link` closed. */
  forgetLink(link: PeerLink): void;
  /** Sends a chunk to `link` by its bulk channel; false when it must go in-band. */
  send(link: PeerLink, root: string, index: number, bytes: Uint8Array): boolean;
  readonly counts: DataPathCounts;
}

export class LinkDataPath extends ObservableV2<DataPathEvents> implements FileDataPath {
  readonly counts: DataPathCounts = { inBand: 0, bulk: 0, direct: 0, sentInBand: 0, sentBulk: 0 };
  private readonly gate: ChunkGate<PeerLink>;
  private readonly files = new Map<string, GateFile>();
  private readonly lanes = new Map<BulkLane, PeerLink>();
  private readonly hosts = new Set<BulkHost>();
  private destroyed = false;
  private readonly listening: Array<() => void> = [];

  /**
   * `host`: the page's bulk worker, told every file fetched here (none in Node). `linkOf`:
   * the link a lane belongs to (the exchange looks among the mesh's links).
   */
  constructor(
    host: BulkHost | null = null,
    private readonly linkOf: (lane: BulkLane) => PeerLink | undefined = () => undefined,
  ) {
    super();
    if (host) this.listen(host);
    this.gate = new ChunkGate<PeerLink>({
      checked: (link, root, index, bytes) => {
        this.counts.inBand++;
        this.emit('checked', [link, root, index, bytes]);
      },
      bad: (link, reason, detail) => this.emit('bad', [link, reason, detail]),
    }, { unknown: 'ignore', perKey: true });
  }

  file(root: string, file: GateFile): void {
    this.files.set(root, file);
    this.gate.file(root, file);
    // Every file, before any link is asked: a link's bulk channel may open later.
    for (const host of this.hosts) host.file(root, file);
  }

  announce(link: PeerLink, root: string): void {
    this.gate.announce(link, root);
    this.watch(link);
  }

  take(link: PeerLink, root: string, index: number, bytes: Uint8Array): void {
    this.gate.take(link, root, index, bytes);
  }

  forget(root: string): void {
    this.files.delete(root);
    this.gate.forget(root);
    for (const host of this.hosts) host.forget(root);
  }

  direct(root: string, port: MessagePort | null): boolean {
    // One bulk worker per page: the one the exchange was made with, or the first lane's.
    const host = this.hosts.values().next().value;
    return host ? host.direct(root, port) : false;
  }

  watch(link: PeerLink): void {
    const lane = link.bulkLane;
    if (lane) this.watchLane(link, lane);
  }

  forgetLink(link: PeerLink): void {
    this.gate.forgetKey(link);
  }

  send(link: PeerLink, root: string, index: number, bytes: Uint8Array): boolean {
    if (link.bulkLane?.send(root, index, bytes)) {
      this.counts.sentBulk++;
      return true;
    }
    this.counts.sentInBand++;
    return false;
  }

  override destroy(): void {
    // The host and its lanes outlive this path: it stops hearing them.
    this.destroyed = true;
    for (const off of this.listening.splice(0)) off();
    this.lanes.clear();
    super.destroy();
  }

  private watchLane(link: PeerLink, lane: BulkLane): void {
    if (this.destroyed || this.lanes.has(lane) || lane.isClosed) return;
    this.lanes.set(lane, link);
    lane.on('close', () => {
      this.lanes.delete(lane);
      if (!this.destroyed && !link.isClosed) this.emit('lost', [link]);
    });
    this.listen(lane.host);
  }

  private listen(host: BulkHost): void {
    if (this.hosts.has(host)) return;
    this.hosts.add(host);
    for (const [root, file] of this.files) host.file(root, file);
    const off = this.listening;
    const link = (lane: BulkLane): PeerLink | undefined => (this.destroyed ? undefined : (this.lanes.get(lane) ?? this.linkOf(lane)));
    // The worker checked the hashes; whether this link was asked for the file is known here.
    const asked = (lane: BulkLane, root: string): PeerLink | undefined => {
      const from = link(lane);
      if (!from) return undefined;
      const verdict = this.gate.verdict(from, root);
      if (verdict === 'fault') this.gate.refuse(from, NOBODY_ASKED);
      return verdict === 'take' ? from : undefined;
    };
    const chunks: BulkHostEvents['chunks'] = (lane, root, chunks) => {
      const from = asked(lane, root);
      if (!from) return;
      for (const { index, bytes } of chunks) {
        this.counts.bulk++;
        this.emit('checked', [from, root, index, bytes]);
      }
    };
    // Chunks the worker checked and sent to the opening worker, which stores them.
    const checked: BulkHostEvents['checked'] = (lane, root, indices) => {
      const from = asked(lane, root);
      if (!from) return;
      for (const index of indices) {
        this.counts.bulk++;
        this.counts.direct++;
        this.emit('checked', [from, root, index, null]);
      }
    };
    const bad: BulkHostEvents['bad'] = (lane, reason, detail) => {
      const from = link(lane);
      if (from) this.emit('bad', [from, reason, detail]);
    };
    // A lane that opened after its link was asked (the link's first file opens it): watched
    // from when it is ready, so a failure of its connection is heard (`lost`).
    const ready: BulkHostEvents['ready'] = (lane) => {
      const from = link(lane);
      if (from) this.watchLane(from, lane);
    };
    host.on('chunks', chunks);
    host.on('checked', checked);
    host.on('bad', bad);
    host.on('ready', ready);
    off.push(() => {
      host.off('chunks', chunks);
      host.off('checked', checked);
      host.off('bad', bad);
      host.off('ready', ready);
    });
  }
}
