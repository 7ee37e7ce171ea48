/**
 * Online state of members, per conversation, from opaque presence ids
 * (docs/architecture.md §4): this device announces its own id in every conversation and
 * follows the ids of the other members. The server sees only ids it cannot link to people
 * or across conversations.
 */
import type { Topic } from '../core/ids.js';
import type { IdentityId } from '../core/identity/keys.js';
import { Disposables } from '../core/lifecycle.js';
import type { PresenceState } from '../core/wire/signaling.js';
import type { PresenceClient } from '../net/presence-client.js';
import type { ConversationSession } from './conversation-session.js';

/** Membership changes come in bursts (a document loading); recompute once after them. */
const REFRESH_DELAY_MS = 100;

export interface ConversationPresenceParts {
  readonly presence: PresenceClient;
  readonly sessions: () => Iterable<ConversationSession>;
  readonly me: () => IdentityId | null;
}

export class ConversationPresence {
  /** presence id → (conversation, identity) it stands for. */
  private index = new Map<string, { topic: Topic; identity: IdentityId }>();
  private pending = false;
  private readonly disposables = new Disposables();

  constructor(private readonly parts: ConversationPresenceParts) {}

  /**
   * Whether someone is online in a conversation, and when they were last seen: a live
   * connection to one of their devices counts as online even if the server has not said so.
   */
  of(session: ConversationSession | undefined, topic: Topic, identity: IdentityId): { online: boolean; lastSeen: number | null } {
    const connected = session?.connectedIdentities().has(identity) ?? false;
    let state: PresenceState | null = null;
    for (const [id, owner] of this.index) {
      if (owner.topic === topic && owner.identity === identity) state = this.parts.presence.state(id);
    }
    return { online: connected || (state?.online ?? false), lastSeen: state?.lastSeen ?? null };
  }

  /** Recomputes which ids to announce and follow, once after a burst of changes. */
  refresh(): void {
    if (this.pending) return;
    this.pending = true;
    this.disposables.timeout(() => {
      this.pending = false;
      void this.compute();
    }, REFRESH_DELAY_MS);
  }

  destroy(): void {
    this.disposables.dispose();
  }

  private async compute(): Promise<void> {
    const me = this.parts.me();
    if (!me) return;
    const own: string[] = [];
    const index = new Map<string, { topic: Topic; identity: IdentityId }>();
    for (const session of this.parts.sessions()) {
      // The current epoch's presence key: ids change with every epoch, like topics.
      own.push(await session.members.presenceIdOf(me));
      for (const identity of session.otherIdentities()) index.set(await session.members.presenceIdOf(identity), { topic: session.id, identity });
    }
    if (this.disposables.isDisposed) return;
    this.index = index;
    this.parts.presence.announce(own);
    this.parts.presence.watch(index.keys());
  }
}
