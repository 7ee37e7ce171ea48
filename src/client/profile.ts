/**
 * Changing the display name and avatar after first launch, and keeping them the same on all
 * of the user's devices.
 *
 * The self doc's shared profile (SelfSession.profile) is the truth once it exists: the
 * device where the user changes it writes it there, and every device — that one included —
 * adopts what the self doc holds: it updates its stored account and writes its own member
 * record, with the new name, into each conversation (docs/architecture.md §8.5). A
 * member record is signed with its time, so messages written before the change keep the
 * name they were sent with (DocDirectory.nameAt). Two devices changing at once converge on
 * the self doc's one value (last writer wins in a Y.Map).
 */
import { profileProblem } from '../core/identity/profile.js';
import { MAX_NAME } from '../core/events.js';
import type { Account } from '../store/types.js';
import type { ClientServices } from './client-services.js';
import { ClientError } from './errors.js';

/** Throws the ClientError that says why a name or avatar the user entered cannot be used. */
export function assertProfile(name: string, avatar: string | undefined): void {
  const problem = profileProblem(name, avatar);
  if (problem) throw new ClientError(problem, problem === 'name-too-long' ? { detail: { max: MAX_NAME } } : {});
}

export interface ProfileChange {
  readonly name: string;
  /** A data: URL (already resized); null removes the avatar; absent keeps it. */
  readonly avatar?: string | null;
}

export class Profile {
  /** Changes and adoptions run one at a time, so one never reads the other half-done. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly s: ClientServices) {}

  /**
   * Checks the new name and avatar, stores them, and shares them with the user's other
   * devices and every conversation. Bad input throws a ClientError before anything is written.
   */
  async change(change: ProfileChange): Promise<void> {
    const account = this.s.requireAccount();
    const name = change.name.trim();
    const avatar = change.avatar === undefined ? account.avatar : (change.avatar ?? undefined);
    assertProfile(name, avatar);
    await this.run(async () => {
      await this.apply(account, name, avatar);
      await this.s.state.self?.setProfile(name, avatar);
    });
  }

  /** Adopts the profile the self doc holds, when another device of this user changed it. */
  adopt(): Promise<void> {
    return this.run(async () => {
      const account = this.s.state.me;
      const shared = this.s.state.self?.profile();
      if (!account || !shared) return;
      await this.apply(account, shared.name, shared.avatar);
    });
  }

  private run(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Stores the account with the new profile, then changes it in place (every part holding
   * it sees the change) and writes this device's member records.
   */
  private async apply(account: Account, name: string, avatar: string | undefined): Promise<void> {
    if (account.name === name && account.avatar === avatar) return;
    const { avatar: _old, ...rest } = account;
    const stored: Account = { ...rest, name, ...(avatar ? { avatar } : {}) };
    try {
      await this.s.parts.accounts.put(stored);
    } catch (cause) {
      throw new ClientError('storage-failed', { cause, detail: { what: 'account' } });
    }
    account.name = name;
    if (avatar) account.avatar = avatar;
    else delete account.avatar;
    await this.s.state.self?.synced.ensureMember(name, avatar);
    // Conversations not loaded yet write theirs when they load (ConversationSession.open).
    for (const session of this.s.conversations.sessions()) {
      if (session.ready && !session.ended) await session.synced.ensureMember(name, avatar).catch((error: unknown) => this.s.events.emit('error', [error as Error]));
    }
    for (const session of this.s.conversations.sessions()) session.members.forgetLabels();
    this.s.changed();
  }
}
