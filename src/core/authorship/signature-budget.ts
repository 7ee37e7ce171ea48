/**
 * Ed25519 verification within a budget (docs/architecture.md §8): one update may ask for
 * at most so many verifications; they run a batch at a time, and the first batch with a
 * failure ends the check. A flood of bad signatures then costs the receiver one batch, and
 * a flood of good ones stops at the budget.
 */
import type { VerifyKeyCache } from '../identity/keys.js';

export interface SignatureCheck {
  /** Public key (base64url) the signature must verify under. */
  readonly key: string;
  readonly sig: unknown;
  /** The signed bytes, computed only when the check runs. */
  readonly bytes: () => Uint8Array;
}

export class SignatureChecker {
  private spent = 0;

  constructor(
    private readonly keys: VerifyKeyCache,
    private readonly budget: number,
    private readonly batch: number,
  ) {}

  /** Verifications made so far. */
  get used(): number {
    return this.spent;
  }

  /**
   * Resolves to null when every check passes, to the index of a failed check, or to -1 when
   * the budget runs out first (nothing past it is checked).
   */
  async verifyAll(checks: readonly SignatureCheck[]): Promise<number | null> {
    if (this.spent + checks.length > this.budget) return -1;
    for (let start = 0; start < checks.length; start += this.batch) {
      const slice = checks.slice(start, start + this.batch);
      this.spent += slice.length;
      const results = await Promise.all(slice.map((c) => this.keys.verify(c.key, c.sig, c.bytes())));
      const bad = results.indexOf(false);
      if (bad >= 0) return start + bad;
    }
    return null;
  }

  /** One check; false also when the budget is spent. */
  async verify(check: SignatureCheck): Promise<boolean> {
    return (await this.verifyAll([check])) === null;
  }
}
