/**
 * Where a bot keeps its state: a profile directory (SQLite, the key file, a lock: one
 * process per profile), or memory for tests and benchmarks that need no disk.
 */
import { MemoryMailboxStateStore } from '../store/mailbox-state.js';
import { MemoryAccountStore, MemoryConversationStore, MemoryDocStore, MemoryOutboxStore } from '../store/memory.js';
import type { HeadlessStores } from '../node/headless-peer.js';
import { ensureProfileDir, ProfileLock } from '../node/profile.js';
import { ProfileStores } from '../node/sqlite-stores.js';
import { MemoryCursorStore, SqliteCursorStore, type CursorStore } from './cursor-store.js';

export interface BotStorage {
  readonly stores: HeadlessStores;
  readonly cursors: CursorStore;
  /** The profile directory; null in memory. */
  readonly dir: string | null;
  /** The server this profile used last, if any. */
  savedServer(): string | null;
  saveServer(url: string): void;
  close(): void;
}

/** Opens a profile directory, creating it (0700) when needed, and holds its lock. */
export function openProfileStorage(dir: string): BotStorage {
  const resolved = ensureProfileDir(dir);
  const lock = new ProfileLock(resolved);
  lock.acquire();
  let stores: ProfileStores;
  try {
    stores = new ProfileStores(resolved);
  } catch (error) {
    lock.release();
    throw error;
  }
  return {
    stores,
    cursors: new SqliteCursorStore(stores.records),
    dir: resolved,
    savedServer: () => stores.records.get<string>('profile', 'server'),
    saveServer: (url) => stores.records.put('profile', 'server', url),
    close: () => {
      stores.close();
      lock.release();
    },
  };
}

export function memoryStorage(): BotStorage {
  let server: string | null = null;
  return {
    stores: {
      accounts: new MemoryAccountStore(),
      conversations: new MemoryConversationStore(),
      outbox: new MemoryOutboxStore(),
      docs: new MemoryDocStore(),
      mailboxState: new MemoryMailboxStateStore(),
    },
    cursors: new MemoryCursorStore(),
    dir: null,
    savedServer: () => server,
    saveServer: (url) => (server = url),
    close: () => undefined,
  };
}
