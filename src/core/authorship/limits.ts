/**
 * What one update, and one device in one document, may cost a receiver
 * (docs/architecture.md §3.4, §8). Every member applies the same numbers to the same
 * content, so they agree on what is refused whatever the order things arrive in.
 */
import { DEFAULT_SCAN_LIMITS, type ScanLimits } from './update-scan.js';

export interface AuthorLimits {
  /** Counted on the bytes, before decoding. */
  readonly scan: ScanLimits;
  /**
   * Storage budget of one device in one document: the JSON length of every value it
   * signed there, superseded ones included (documents keep them, `gc: false`).
   */
  readonly deviceBudgetChars: number;
  /** Ed25519 verifications one update may ask for. */
  readonly maxSignatures: number;
  /** Chain tips (events no other event vouches for) of one device in one update. */
  readonly maxTipsPerDevice: number;
  /** Signatures verified at once; a batch with a failure ends the check. */
  readonly verifyBatch: number;
}

export const DEFAULT_LIMITS: AuthorLimits = {
  scan: DEFAULT_SCAN_LIMITS,
  // ~64 M characters: about 200,000 ordinary messages from one device in one conversation.
  deviceBudgetChars: 64 * 1024 * 1024,
  // A late joiner checks one signature per chain tip and per record: tens to thousands.
  maxSignatures: 20_000,
  // Honest forks come from tabs of one device writing at the same moment: a few.
  maxTipsPerDevice: 256,
  verifyBatch: 64,
};

/** A device's own write would take it past its budget in this document. */
export class StorageBudgetError extends Error {
  override readonly name = 'StorageBudgetError';
  readonly code = 'storage-budget';

  constructor(
    /** The budget, in characters of signed values. */
    readonly limit: number,
    options?: { cause?: unknown },
  ) {
    super(`This conversation is full for this device: it already holds ${Math.round(limit / 1_048_576)} MB of what this device wrote.`, options);
  }
}

/** Size of a value for the storage budget: deterministic on every member. */
export const valueChars = (value: unknown): number => JSON.stringify(value)?.length ?? 0;
