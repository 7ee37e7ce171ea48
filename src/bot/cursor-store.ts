/**
 * How far a bot has handed a conversation's events to its handlers, kept beside the
 * conversation so a restart neither repeats nor skips anything: the document's state vector
 * at the last hand-over (every event carries its Yjs client and clock, so "new" is one
 * comparison), and when the bot joined (events dated before that are history, not news).
 */
import type { Topic } from '../core/ids.js';
import type { RecordTable } from '../node/sqlite-stores.js';

export interface FeedCursor {
  /** Encoded Yjs state vector as of the last event handed over. */
  readonly seen: Uint8Array;
  /** When the bot started following the conversation, ms since epoch. */
  readonly since: number;
}

export interface CursorStore {
  get(conversation: Topic): Promise<FeedCursor | null>;
  put(conversation: Topic, cursor: FeedCursor): Promise<void>;
}

const SCOPE = 'bot-cursor';

export class SqliteCursorStore implements CursorStore {
  constructor(private readonly records: RecordTable) {}
  async get(conversation: Topic): Promise<FeedCursor | null> {
    return this.records.get<FeedCursor>(SCOPE, conversation);
  }
  async put(conversation: Topic, cursor: FeedCursor): Promise<void> {
    this.records.put(SCOPE, conversation, cursor);
  }
}

export class MemoryCursorStore implements CursorStore {
  private readonly cursors = new Map<Topic, FeedCursor>();
  async get(conversation: Topic): Promise<FeedCursor | null> {
    const c = this.cursors.get(conversation);
    return c ? { seen: c.seen.slice(), since: c.since } : null;
  }
  async put(conversation: Topic, cursor: FeedCursor): Promise<void> {
    this.cursors.set(conversation, { seen: cursor.seen.slice(), since: cursor.since });
  }
}
