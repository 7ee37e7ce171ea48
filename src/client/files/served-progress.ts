/**
 * The sender's progress (docs/architecture.md §14.4): the member furthest along among those
 * still fetching a file this device serves, from the chunks the file server served.
 */
import type { Disposables } from '../../core/lifecycle.js';
import type { Transfers } from './transfers.js';

/**
 * Least time between two progress views of a file: a view change per served chunk had the
 * sender's page re-laying out its message list hundreds of times a second while a file went
 * out (docs/architecture.md §14.5).
 */
const PROGRESS_MS = 100;

export interface ServedProgressOut {
  /** A file's view changed. */
  changed(root: string): void;
  /** Only the bytes moved changed, in the same state. */
  progress(root: string): void;
  /** `device` was served every chunk of `root` (it holds it now). */
  held(root: string, device: string): void;
}

export class ServedProgress {
  /** Chunks served per file and device. */
  private readonly byFile = new Map<string, Map<string, Set<number>>>();
  private readonly due = new Set<string>();

  /** `owned` holds the timers; views live in `transfers`. */
  constructor(
    private readonly transfers: Transfers,
    private readonly owned: Disposables,
    private readonly out: ServedProgressOut,
  ) {}

  /** Chunk `index` of `root` went to `device`. */
  served(root: string, device: string, index: number): void {
    const view = this.transfers.get(root);
    if (!view) return;
    let byDevice = this.byFile.get(root);
    if (!byDevice) this.byFile.set(root, (byDevice = new Map()));
    let got = byDevice.get(device);
    if (!got) byDevice.set(device, (got = new Set()));
    got.add(index);
    // A member holding the whole file is news at once; progress on the way waits its turn.
    if (got.size >= Math.ceil(view.size / view.chunk)) return this.recount(root);
    if (this.due.has(root)) return;
    this.due.add(root);
    this.owned.timeout(() => {
      this.due.delete(root);
      this.recount(root);
    }, PROGRESS_MS);
  }

  /** `device` stopped fetching `root`. */
  cancelled(root: string, device: string): void {
    this.byFile.get(root)?.delete(device);
    this.recount(root);
  }

  /** The file is gone from this device. */
  forget(root: string): void {
    this.byFile.delete(root);
  }

  private recount(root: string): void {
    const view = this.transfers.get(root);
    if (!view) return;
    const count = Math.ceil(view.size / view.chunk);
    let most = -1;
    for (const [device, set] of this.byFile.get(root) ?? []) {
      if (set.size >= count) {
        this.byFile.get(root)!.delete(device);
        this.out.held(root, device);
      } else most = Math.max(most, set.size);
    }
    const state = most >= 0 ? 'moving' : 'done';
    this.transfers.update(root, { done: state === 'moving' ? Math.min(view.size, most * view.chunk) : view.size, state });
    if (state === 'moving' && view.state === 'moving') this.out.progress(root);
    else this.out.changed(root);
  }
}
