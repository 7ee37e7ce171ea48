/**
 * The one owner of conversation lifecycles on this device. Each conversation is in exactly
 * one state:
 * - `cached`: its session exists and shows the cached newest messages; the stored document
 *   is not loaded and nothing syncs yet;
 * - `loading`: the stored document is loading (the promise settles when it is ready);
 * - `ready`: loaded, a member, syncing with peers and the mailbox.
 * Removing a conversation (`delete`) stops its sync and erases what this device stores.
 * The registry does no I/O of its own: the client hands it the operations.
 */
import { ObservableV2 } from 'lib0/observable';
import type { Topic } from '../core/ids.js';
import type { ConversationKeys } from '../core/keys.js';
import type { ConversationRecord } from '../store/types.js';
import type { ConversationSession } from './conversation-session.js';

export type ConversationState =
  | { readonly phase: 'cached'; readonly session: ConversationSession }
  | { readonly phase: 'loading'; readonly session: ConversationSession; readonly loading: Promise<ConversationSession> }
  | { readonly phase: 'ready'; readonly session: ConversationSession };

export type ConversationPhase = ConversationState['phase'];

/** What `rotatable` reads of a session. */
export type RotationCandidate = Pick<ConversationSession, 'ready' | 'ended'> & {
  readonly membership: { readonly state: { readonly current: unknown } };
};

/**
 * The sessions that can move to a new epoch now: loaded, not ended, and with a current
 * epoch to move on from (an older group without epochs has none). Blocking a person and
 * removing a device both rotate exactly these (docs/architecture.md §4.4).
 */
export function rotatable<S extends RotationCandidate>(sessions: Iterable<S>): S[] {
  return [...sessions].filter((s) => s.ready && !s.ended && s.membership.state.current);
}

export interface RegistryOperations {
  /** Makes the session for a stored record and its keys; wires its events, loads nothing. */
  create(record: ConversationRecord, keys: ConversationKeys): ConversationSession;
  /** Loads the stored document and starts syncing. */
  load(session: ConversationSession): Promise<void>;
  /** Stops syncing and releases the session (its stored data stays). */
  close(session: ConversationSession): Promise<void>;
  /** Erases what this device stores about a conversation. */
  erase(id: Topic): Promise<void>;
}

export type RegistryEvents = {
  /** A conversation was added, became ready or was removed. */
  changed: () => void;
};

export class ConversationRegistry extends ObservableV2<RegistryEvents> {
  private readonly states = new Map<Topic, ConversationState>();

  constructor(private readonly ops: RegistryOperations) {
    super();
  }

  get(id: Topic): ConversationSession | undefined {
    return this.states.get(id)?.session;
  }

  state(id: Topic): ConversationState | undefined {
    return this.states.get(id);
  }

  has(id: Topic): boolean {
    return this.states.has(id);
  }

  /** Every conversation, in the order they were added. */
  sessions(): ConversationSession[] {
    return [...this.states.values()].map((s) => s.session);
  }

  /** Registers a conversation in the `cached` state (or returns the one already there). */
  add(record: ConversationRecord, keys: ConversationKeys): ConversationSession {
    const known = this.states.get(record.id);
    if (known) return known.session;
    const session = this.ops.create(record, keys);
    this.states.set(record.id, { phase: 'cached', session });
    this.emit('changed', []);
    return session;
  }

  /** Loads a conversation once; later calls share the first load. */
  load(id: Topic): Promise<ConversationSession> {
    const state = this.states.get(id);
    if (!state) return Promise.reject(new Error(`unknown conversation ${id}`));
    if (state.phase === 'ready') return Promise.resolve(state.session);
    if (state.phase === 'loading') return state.loading;
    const session = state.session;
    const loading = this.ops.load(session).then(
      () => {
        if (this.states.get(id)?.session === session) {
          this.states.set(id, { phase: 'ready', session });
          this.emit('changed', []);
        }
        return session;
      },
      (error: unknown) => {
        // Back to cached, so a later attempt may load it again.
        if (this.states.get(id)?.session === session) this.states.set(id, { phase: 'cached', session });
        throw error;
      },
    );
    this.states.set(id, { phase: 'loading', session, loading });
    return loading;
  }

  /**
   * Removes a conversation from this device: sync stops, the session is released and its
   * stored document, record and pending writes are erased.
   */
  async delete(id: Topic): Promise<void> {
    const state = this.states.get(id);
    if (state) {
      this.states.delete(id);
      // A load under way finishes first, so nothing writes to the store after it is erased.
      if (state.phase === 'loading') await state.loading.catch(() => undefined);
      await this.ops.close(state.session);
    }
    await this.ops.erase(id);
    this.emit('changed', []);
  }

  /** Releases every session (the app is shutting down); stored data stays. */
  override async destroy(): Promise<void> {
    const states = [...this.states.values()];
    this.states.clear();
    await Promise.all(
      states.map(async (s) => {
        if (s.phase === 'loading') await s.loading.catch(() => undefined);
        await this.ops.close(s.session);
      }),
    );
    super.destroy();
  }
}
