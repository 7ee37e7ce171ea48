/**
 * A group of table rows measured together (one module each), so later issues can add
 * rows — the mailbox rows, for example — without touching the others.
 */
import type { Row } from './table.js';

export interface BenchContext {
  /** The freshly built app (vite build output), for groups that need it. */
  readonly appDir: string;
  /** Registers cleanup that runs when the group ends, whether it succeeded or not (LIFO). */
  defer(cleanup: () => unknown): void;
}

export interface RowSpec {
  readonly metric: string;
  /** Verbatim from the issue. */
  readonly goal: string;
}

export interface BenchGroup {
  /** Short name for the CLI filter: `npm run bench -- latency`. */
  readonly name: string;
  /** The rows this group produces, in order; printed as crashed rows if it throws. */
  readonly rows: readonly RowSpec[];
  /** Needs the built app (`appDir`). */
  readonly needsApp: boolean;
  /** CPU-sensitive (browsers, servers): wait for the machine to settle first. */
  readonly needsQuiet: boolean;
  /** The group is abandoned (and its resources cleaned up) after this long. */
  readonly timeoutMs: number;
  run(ctx: BenchContext): Promise<Row[]>;
}
