/**
 * Where a link's file chunks are checked before anything keeps them (docs/architecture.md
 * §14.2, "The data path"). The same rules run on the page for chunks that came in-band and
 * in the bulk worker for chunks that came on a link's bulk channel:
 *
 * - a chunk is taken only for a file whose checked hash list the page gave (`file`) and
 *   from a link it asked for that file (`announce`); anything else is the link's fault
 *   (`bad`), except a late answer for a file the page stopped fetching (`forget`), ignored.
 *   On the page, a chunk of a file it knows nothing of is ignored too, as it always was:
 *   several exchanges may share one mesh (a bot's own and an embedder's), and each sees
 *   every file frame. The bulk worker serves the page's one exchange and faults it. The
 *   worker is told every file the page fetches but not which links were asked: a link's
 *   bulk channel may open after the page asked it (a link that began on the relay), so the
 *   page checks the link of each chunk the worker passes on (`verdict`) before keeping it;
 * - it must hash to its entry (`bad-file-chunk` if not);
 * - at most SENDER_BYTE_BUDGET per link wait for their hash check: a link that sends more
 *   than any window it was given is dropped rather than held in memory.
 *
 * A checked chunk leaves in a buffer of its own (it is moved on without another copy).
 * After a link's first fault nothing more of it is taken.
 */
import { chunkMatches } from '../../core/files/chunk-crypto.js';
import { SENDER_BYTE_BUDGET, type FileRef } from '../../core/files/file-ref.js';

/** What the gate needs of a file: its checked hash list and its shape. */
export interface GateFile {
  readonly hashes: Uint8Array;
  readonly size: number;
  readonly chunk: number;
}

export type GateFault = 'bad-file-chunk' | 'bad-file-frame';

export interface ChunkGateOut<K> {
  /** A chunk of `root` from `key` matched its hash; `bytes` is a buffer of its own. */
  checked(key: K, root: string, index: number, bytes: Uint8Array<ArrayBuffer>): void;
  /** `key` broke the rules: the page drops and penalizes the link. */
  bad(key: K, reason: GateFault, detail: string): void;
}

/** Why a chunk of a file not asked of its link drops the link. */
export const NOBODY_ASKED = 'a chunk nobody asked for';
/** Files recently stopped, whose late chunks are ignored rather than counted against a link. */
const FORGOTTEN = 256;

export class ChunkGate<K> {
  private readonly files = new Map<string, GateFile>();
  private readonly asked = new Map<K, Set<string>>();
  private readonly forgotten = new Set<string>();
  private readonly pending = new Map<K, number>();
  private readonly faulted = new Set<K>();

  /**
   * `unknown`: what a chunk of a file never given (nor recently forgotten) is: the link's
   * fault, or ignored. `perKey`: whether a chunk needs its link to have been asked for the
   * file here (the page), or only the file to be fetched (the worker; the page checks the link).
   */
  constructor(
    private readonly out: ChunkGateOut<K>,
    private readonly rules: { readonly unknown: 'fault' | 'ignore'; readonly perKey: boolean },
  ) {}

  /** The checked hash list of a file being fetched. */
  file(root: string, file: GateFile): void {
    this.files.set(root, file);
    this.forgotten.delete(root);
  }

  /** `key` was asked for chunks of `root`. */
  announce(key: K, root: string): void {
    let roots = this.asked.get(key);
    if (!roots) this.asked.set(key, (roots = new Set()));
    roots.add(root);
  }

  /** The fetch of `root` ended: its late chunks are ignored. */
  forget(root: string): void {
    this.files.delete(root);
    for (const roots of this.asked.values()) roots.delete(root);
    this.forgotten.add(root);
    if (this.forgotten.size > FORGOTTEN) this.forgotten.delete(this.forgotten.values().next().value!);
  }

  /** The link is gone. */
  forgetKey(key: K): void {
    this.asked.delete(key);
    this.pending.delete(key);
    this.faulted.delete(key);
  }

  /** Whether a file's hash list is known here. */
  knows(root: string): boolean {
    return this.files.has(root);
  }

  /** What a chunk of `root` from `key` would be: taken (to be checked), ignored, or the link's fault. */
  verdict(key: K, root: string): 'take' | 'ignore' | 'fault' {
    if (this.faulted.has(key)) return 'ignore';
    const file = this.files.get(root);
    if (file && (!this.rules.perKey || this.asked.get(key)?.has(root))) return 'take';
    return this.forgotten.has(root) || (!file && this.rules.unknown === 'ignore') ? 'ignore' : 'fault';
  }

  /** Faults `key` from outside (the page, for a chunk the worker passed on from a link it never asked). */
  refuse(key: K, detail: string): void {
    if (!this.faulted.has(key)) this.fault(key, 'bad-file-chunk', detail);
  }

  /** A chunk from `key`: checked, then `checked` or `bad` (or nothing: a late answer, or a link already at fault). */
  take(key: K, root: string, index: number, bytes: Uint8Array): void {
    const verdict = this.verdict(key, root);
    if (verdict === 'ignore') return;
    if (verdict === 'fault') return this.fault(key, 'bad-file-chunk', NOBODY_ASKED);
    const file = this.files.get(root)!;
    const waiting = (this.pending.get(key) ?? 0) + bytes.length;
    if (waiting > SENDER_BYTE_BUDGET) return this.fault(key, 'bad-file-frame', `more than ${SENDER_BYTE_BUDGET} bytes of chunks waiting`);
    this.pending.set(key, waiting);
    void this.check(key, root, file, index, bytes);
  }

  private async check(key: K, root: string, file: GateFile, index: number, bytes: Uint8Array): Promise<void> {
    let ok = false;
    try {
      ok = await chunkMatches(file as Pick<FileRef, 'size' | 'chunk'>, file.hashes, index, bytes);
    } finally {
      const left = (this.pending.get(key) ?? bytes.length) - bytes.length;
      if (this.pending.has(key)) this.pending.set(key, Math.max(0, left));
    }
    if (this.faulted.has(key)) return;
    if (!ok) return this.fault(key, 'bad-file-chunk', `chunk ${index} does not match its hash`);
    // Stopped meanwhile: a late answer.
    if (this.files.get(root) !== file) return;
    this.out.checked(key, root, index, bytes.slice());
  }

  private fault(key: K, reason: GateFault, detail: string): void {
    this.faulted.add(key);
    this.pending.delete(key);
    this.out.bad(key, reason, detail);
  }
}
