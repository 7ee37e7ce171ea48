/**
 * Invites this device is using to join groups (docs/architecture.md §4.5), until a member
 * grants or refuses each. The UI lists them ("Waiting for approval"). Asking (join-attempt.ts)
 * loads on first use, not with the app (§11): a device joins a group rarely.
 */
import type { Account } from '../core/identity/account.js';
import { parseInvite } from '../core/invite.js';
import type { Logger } from '../core/logger.js';
import type { Signaling } from '../net/signaling-port.js';
import { ClientError } from './errors.js';
import type { Grant, JoinAttempt } from './join-attempt.js';

export interface JoinsParts {
  readonly account: () => Account;
  readonly signaling: Signaling;
  readonly now: () => number;
  readonly logger: Logger;
  /** Creates the conversation a grant opens. */
  readonly accept: (grant: Grant) => Promise<void>;
  readonly changed: () => void;
}

export class Joins {
  private readonly attempts = new Set<JoinAttempt>();
  private destroyed = false;

  constructor(private readonly parts: JoinsParts) {}

  /**
   * Starts joining; rejects with InvalidInviteError for text that is not an invite, and with
   * ClientError 'joins-unavailable' when the code that asks cannot load (offline, no cache).
   */
  async start(link: string): Promise<JoinAttempt> {
    const invite = parseInvite(link);
    const { JoinAttempt } = await import('./join-attempt.js').catch((cause: unknown) => {
      throw new ClientError('joins-unavailable', { cause });
    });
    if (this.destroyed) throw new ClientError('join-timeout');
    const attempt = new JoinAttempt({
      invite,
      account: this.parts.account(),
      signaling: this.parts.signaling,
      now: this.parts.now,
      logger: this.parts.logger,
      accept: this.parts.accept,
    });
    this.attempts.add(attempt);
    attempt.on('changed', this.parts.changed);
    // Settled either way (the refusal reaches the caller through its own `done`): a
    // `finally` here would hand the rejection on to nobody, an unhandled rejection.
    const settled = (): void => {
      this.attempts.delete(attempt);
      attempt.destroy();
      this.parts.changed();
    };
    attempt.done.then(settled, settled);
    void attempt.start();
    this.parts.changed();
    return attempt;
  }

  list(): JoinAttempt[] {
    return [...this.attempts];
  }

  destroy(): void {
    this.destroyed = true;
    for (const attempt of this.attempts) attempt.cancel();
  }
}
