/**
 * The file-backed stores of a headless peer: one SQLite database (`parley.db`, WAL) in the
 * profile directory, implementing the same store seams as IndexedDB and memory and passing
 * the same contract suite (tests/contracts/store-contract.ts).
 *
 * - Values are stored as V8 structured-clone bytes (`v8.serialize`), so they come back as
 *   IndexedDB gives them back: Uint8Arrays stay Uint8Arrays, absent fields stay absent.
 * - `synchronous = FULL`: a commit is on disk when it returns. The outbox's `add` is the
 *   moment a message counts as acknowledged (docs/architecture.md §7), as with IndexedDB's
 *   strict durability.
 * - The account's private keys live in `keys.json` beside the database (key-file.ts).
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { EventId, Topic } from '../core/ids.js';
import type { Draft, DraftStore } from '../store/draft-store.js';
import { isEmptyDraft } from '../store/draft-store.js';
import { emptyProgress, type MailboxProgress, type MailboxStateStore } from '../store/mailbox-state.js';
import { defaultSettings, type DeviceSettings, type SettingsStore } from '../store/settings-store.js';
import type { Account, AccountStore, ConversationRecord, ConversationStore, OutboxEntry, OutboxStore } from '../store/types.js';
import { attachKeys, detachKeys, KeyFile } from './key-file.js';
import { SqliteChunkStore } from './sqlite-chunk-store.js';
import { SqliteDocStore } from './sqlite-doc-store.js';

type Db = Database.Database;

const SCHEMA_VERSION = 2;

/** Each step brings the schema from its index to the next version, in one transaction. */
const MIGRATIONS: readonly string[] = [
  `
    CREATE TABLE IF NOT EXISTS records (scope TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (scope, key)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, conversation TEXT NOT NULL, created_at INTEGER NOT NULL, value BLOB NOT NULL);
    CREATE INDEX IF NOT EXISTS outbox_order ON outbox (created_at);
    CREATE TABLE IF NOT EXISTS doc_updates (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, data BLOB NOT NULL);
    CREATE INDEX IF NOT EXISTS doc_updates_name ON doc_updates (name, id);
  `,
  // Files (sqlite-chunk-store.ts): sealed chunks exactly as they travel.
  `
    CREATE TABLE IF NOT EXISTS files (root TEXT PRIMARY KEY, conversation TEXT NOT NULL, bytes INTEGER NOT NULL, value BLOB NOT NULL);
    CREATE INDEX IF NOT EXISTS files_conversation ON files (conversation);
    CREATE TABLE IF NOT EXISTS file_hashes (root TEXT PRIMARY KEY, hashes BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS file_chunks (root TEXT NOT NULL, idx INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (root, idx)) WITHOUT ROWID;
  `,
];

function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw new Error(`parley.db has schema ${version}, newer than this program (${SCHEMA_VERSION})`);
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** Opens (creating when needed) the database of a profile directory. */
export function openDatabase(dir: string): Db {
  const db = new Database(path.join(dir, 'parley.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export const encode = (value: unknown): Buffer => serialize(value);
export const decode = <T>(bytes: Buffer): T => deserialize(bytes) as T;

/** Small values by scope and key: conversations, mailbox progress, settings, drafts. */
export class RecordTable {
  private readonly getStmt: Database.Statement<[string, string], { value: Buffer }>;
  private readonly putStmt: Database.Statement<[string, string, Buffer]>;
  private readonly deleteStmt: Database.Statement<[string, string]>;
  private readonly listStmt: Database.Statement<[string], { value: Buffer }>;

  constructor(readonly db: Db) {
    this.getStmt = db.prepare('SELECT value FROM records WHERE scope = ? AND key = ?');
    this.putStmt = db.prepare('INSERT INTO records (scope, key, value) VALUES (?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value');
    this.deleteStmt = db.prepare('DELETE FROM records WHERE scope = ? AND key = ?');
    this.listStmt = db.prepare('SELECT value FROM records WHERE scope = ? ORDER BY key');
  }

  get<T>(scope: string, key: string): T | null {
    const row = this.getStmt.get(scope, key);
    return row ? decode<T>(row.value) : null;
  }

  put(scope: string, key: string, value: unknown): void {
    this.putStmt.run(scope, key, encode(value));
  }

  delete(scope: string, key: string): void {
    this.deleteStmt.run(scope, key);
  }

  list<T>(scope: string): T[] {
    return this.listStmt.all(scope).map((r) => decode<T>(r.value));
  }
}

const ACCOUNT = 'account';

export class SqliteAccountStore implements AccountStore {
  constructor(
    private readonly records: RecordTable,
    private readonly keyFile: KeyFile,
  ) {}

  async get(): Promise<Account | null> {
    const plain = this.records.get<unknown>(ACCOUNT, ACCOUNT);
    return plain === null ? null : ((await attachKeys(plain, this.keyFile.read())) as Account);
  }

  /**
   * Keys first (old and new together), then the record, then only the keys it names: a
   * crash between any two steps leaves a record whose keys are all in the file.
   */
  async put(account: Account): Promise<void> {
    const { plain, keys } = detachKeys(account);
    this.keyFile.write({ ...this.keyFile.read(), ...keys });
    this.records.put(ACCOUNT, ACCOUNT, plain);
    this.keyFile.write(keys);
  }
}

const CONVERSATIONS = 'conversation';

export class SqliteConversationStore implements ConversationStore {
  constructor(private readonly records: RecordTable) {}
  async list(): Promise<ConversationRecord[]> {
    return this.records.list<ConversationRecord>(CONVERSATIONS);
  }
  async get(id: Topic): Promise<ConversationRecord | null> {
    return this.records.get<ConversationRecord>(CONVERSATIONS, id);
  }
  async put(record: ConversationRecord): Promise<void> {
    this.records.put(CONVERSATIONS, record.id, record);
  }
  async remove(id: Topic): Promise<void> {
    this.records.delete(CONVERSATIONS, id);
  }
}

export class SqliteOutboxStore implements OutboxStore {
  private readonly addStmt: Database.Statement<[string, string, number, Buffer]>;
  private readonly removeStmt: Database.Statement<[string]>;

  constructor(private readonly db: Db) {
    this.addStmt = db.prepare(
      'INSERT INTO outbox (id, conversation, created_at, value) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET conversation = excluded.conversation, created_at = excluded.created_at, value = excluded.value',
    );
    this.removeStmt = db.prepare('DELETE FROM outbox WHERE id = ?');
  }

  /** Resolves once committed with `synchronous = FULL`: the entry is on disk. */
  async add(entry: OutboxEntry): Promise<void> {
    this.addStmt.run(entry.id, entry.conversation, entry.createdAt, encode(entry));
  }

  async list(conversation?: Topic): Promise<OutboxEntry[]> {
    const rows = conversation
      ? this.db.prepare<[string], { value: Buffer }>('SELECT value FROM outbox WHERE conversation = ? ORDER BY created_at, rowid').all(conversation)
      : this.db.prepare<[], { value: Buffer }>('SELECT value FROM outbox ORDER BY created_at, rowid').all();
    return rows.map((r) => decode<OutboxEntry>(r.value));
  }

  async remove(ids: readonly EventId[]): Promise<void> {
    if (ids.length === 0) return;
    this.db.transaction(() => ids.forEach((id) => this.removeStmt.run(id)))();
  }
}

const MAILBOX = 'mailbox';

export class SqliteMailboxStateStore implements MailboxStateStore {
  constructor(private readonly records: RecordTable) {}
  async get(id: string): Promise<MailboxProgress> {
    return this.records.get<MailboxProgress>(MAILBOX, id) ?? emptyProgress(id);
  }
  async put(progress: MailboxProgress): Promise<void> {
    this.records.put(MAILBOX, progress.id, progress);
  }
  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.records.delete(MAILBOX, id);
  }
}

const SETTINGS = 'settings';

export class SqliteSettingsStore implements SettingsStore {
  constructor(private readonly records: RecordTable) {}
  async get(): Promise<DeviceSettings> {
    return { ...defaultSettings, ...this.records.get<DeviceSettings>(SETTINGS, 'device') };
  }
  async put(settings: DeviceSettings): Promise<void> {
    this.records.put(SETTINGS, 'device', settings);
  }
  async unread(): Promise<Record<string, number>> {
    return this.records.get<Record<string, number>>(SETTINGS, 'unread') ?? {};
  }
  addUnread(topic: Topic, count: number): Promise<Record<string, number>> {
    return this.updateUnread((u) => ({ ...u, [topic]: (u[topic] ?? 0) + count }));
  }
  clearUnread(topic: Topic): Promise<Record<string, number>> {
    return this.updateUnread((u) => {
      const { [topic]: _gone, ...rest } = u;
      return rest;
    });
  }
  /** Read-modify-write in one transaction, as the IndexedDB store does. */
  private async updateUnread(change: (u: Record<string, number>) => Record<string, number>): Promise<Record<string, number>> {
    return this.records.db.transaction(() => {
      const next = change(this.records.get<Record<string, number>>(SETTINGS, 'unread') ?? {});
      this.records.put(SETTINGS, 'unread', next);
      return next;
    })();
  }
}

const DRAFTS = 'draft';

export class SqliteDraftStore implements DraftStore {
  constructor(private readonly records: RecordTable) {}
  async get(topic: Topic): Promise<Draft | null> {
    const d = this.records.get<Draft>(DRAFTS, topic);
    return d && typeof d.text === 'string' ? d : null;
  }
  async put(topic: Topic, draft: Draft): Promise<void> {
    if (isEmptyDraft(draft)) this.records.delete(DRAFTS, topic);
    else this.records.put(DRAFTS, topic, draft);
  }
  async remove(topic: Topic): Promise<void> {
    this.records.delete(DRAFTS, topic);
  }
}

/** Every store of one profile directory, over one database connection. */
export class ProfileStores {
  readonly db: Db;
  readonly records: RecordTable;
  readonly accounts: SqliteAccountStore;
  readonly conversations: SqliteConversationStore;
  readonly outbox: SqliteOutboxStore;
  readonly docs: SqliteDocStore;
  readonly mailboxState: SqliteMailboxStateStore;
  readonly settings: SqliteSettingsStore;
  readonly drafts: SqliteDraftStore;
  readonly chunks: SqliteChunkStore;

  /** `dir` must exist (profile.ts creates it with mode 0700). */
  constructor(readonly dir: string) {
    this.db = openDatabase(dir);
    this.records = new RecordTable(this.db);
    this.accounts = new SqliteAccountStore(this.records, new KeyFile(dir));
    this.conversations = new SqliteConversationStore(this.records);
    this.outbox = new SqliteOutboxStore(this.db);
    this.docs = new SqliteDocStore(this.db);
    this.mailboxState = new SqliteMailboxStateStore(this.records);
    this.settings = new SqliteSettingsStore(this.records);
    this.drafts = new SqliteDraftStore(this.records);
    this.chunks = new SqliteChunkStore(this.records);
  }

  /** Writes what documents still buffer, then closes the database. */
  close(): void {
    if (!this.db.open) return;
    this.docs.flushAll();
    this.db.close();
  }
}
