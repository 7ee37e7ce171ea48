/**
 * What a user does to a conversation on this device only (docs/architecture.md §4.9):
 * archive it (out of the main list; a new message from someone else brings it back, as in
 * Signal and WhatsApp) and delete it (its history, keys and unsent writes leave this
 * device, after leaving the group if the user is still a member). The user's other
 * devices keep it; this device remembers the deletion so the self doc does not bring the
 * conversation back, until the user opens or joins it again.
 */
import type { Topic } from '../core/ids.js';
import type { TimelineEntry } from '../core/timeline.js';
import type { ClientServices } from './client-services.js';
import type { ConversationSession } from './conversation-session.js';
import { ClientError } from './errors.js';

export class ConversationShelf {
  /** `services` is a thunk: the shelf is built while the services object is. */
  constructor(private readonly services: () => ClientServices) {}

  private get s(): ClientServices {
    return this.services();
  }

  /** Archives or unarchives a conversation on this device. */
  async archive(id: Topic, archived: boolean): Promise<void> {
    const session = this.s.conversations.get(id);
    if (!session || (session.record.archived ?? false) === archived) return;
    session.record = { ...session.record, archived };
    try {
      await this.s.parts.conversations.put(session.record);
    } catch (cause) {
      throw new ClientError('storage-failed', { cause, detail: { what: 'conversation' } });
    }
    this.s.changed();
  }

  /** A message arrived: one from someone else brings an archived conversation back. */
  arrived(session: ConversationSession, entry: TimelineEntry): void {
    if (!session.record.archived || entry.kind !== 'message' || session.isMine(entry.author)) return;
    this.archive(session.id, false).catch((error: unknown) => this.s.events.emit('error', [error as Error]));
  }

  /**
   * Deletes a conversation from this device. A group the user is still a member of is left
   * first (a signed note; the others then rotate without this user).
   */
  async delete(id: Topic): Promise<void> {
    const session = this.s.conversations.get(id);
    const account = this.s.requireAccount();
    if (session && !session.isDirect && session.ready && !session.ended && session.membership.isMember(account.identity.sign)) {
      await session.group.leave();
    }
    await this.remember(id, true);
    await this.s.conversations.delete(id);
  }

  /** Whether the user deleted this conversation on this device. */
  isDeleted(id: Topic): boolean {
    return this.s.state.me?.deleted?.includes(id) ?? false;
  }

  /** The user opens or joins a deleted conversation again: this device takes it back. */
  async restore(id: Topic): Promise<void> {
    if (this.isDeleted(id)) await this.remember(id, false);
  }

  private async remember(id: Topic, deleted: boolean): Promise<void> {
    const account = this.s.requireAccount();
    const list = new Set(account.deleted ?? []);
    if (deleted) list.add(id);
    else list.delete(id);
    account.deleted = [...list];
    try {
      await this.s.parts.accounts.put(account);
    } catch (cause) {
      throw new ClientError('storage-failed', { cause, detail: { what: 'account' } });
    }
  }
}
