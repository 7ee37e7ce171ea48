/**
 * Chooses where state lives and how sockets on different nodes reach each other
 * (docs/architecture.md §6). With no settings: SQLite in the data directory and in-memory
 * pub/sub, exactly one node. `DATABASE_URL` moves the mailbox, push subscriptions, device
 * registry and presence last-seen to PostgreSQL; `REDIS_URL` carries topics and presence
 * (and the other buses) between nodes. The rest of the server sees only the store and bus
 * interfaces.
 */
import type { ClusterConfig, MailboxConfig } from './config.js';
import { openServerDatabase, type ServerDatabase } from './database.js';
import type { Logger } from './logger.js';
import { createPostgresBlobStore } from './mailbox/blob-postgres.js';
import { createSqliteBlobStore } from './mailbox/blob-sqlite.js';
import type { BlobStore, BlobStoreLimits } from './mailbox/blob-store.js';
import { blobBytesFor, MailboxBlobLimits } from '../src/core/wire/mailbox-blobs.js';
import { createPostgresMailboxStore } from './mailbox/mailbox-postgres.js';
import { createSqliteMailboxStore } from './mailbox/mailbox-sqlite.js';
import type { MailboxStore } from './mailbox/mailbox-store.js';
import { openPostgres, type PostgresDatabase } from './postgres.js';
import { MemoryPresenceDirectory, type PresenceDirectory } from './presence/directory.js';
import { RedisPresenceDirectory } from './presence/directory-redis.js';
import { createPostgresPresenceStore } from './presence/presence-postgres.js';
import { createSqlitePresenceStore } from './presence/presence-sqlite.js';
import type { PresenceStore } from './presence/presence-store.js';
import { createPostgresPushSubscriptionStore } from './push/subscription-postgres.js';
import { agreeOnVapidKey } from './push/vapid-cluster.js';
import { createSqlitePushSubscriptionStore } from './push/subscription-sqlite.js';
import type { PushSubscriptionStore } from './push/subscription-store.js';
import { RedisFanout } from './redis.js';
import { createPostgresDeviceStore } from './signal/device-postgres.js';
import { createSqliteDeviceStore } from './signal/device-sqlite.js';
import type { DeviceStore } from './signal/device-store.js';
import { MemorySignalBus, type SignalBus } from './signal/bus.js';
import { RedisSignalBus } from './signal/bus-redis.js';

/** The durable stores, all on one database. */
export interface ServerStores {
  readonly mailboxes: MailboxStore;
  /**
   * The mailboxes' blob area (files for offline members), on the same database as the
   * mailboxes. Null only for a server built without one: `/api/config` then says the
   * mailbox takes no files.
   */
  readonly blobs: BlobStore | null;
  readonly subscriptions: PushSubscriptionStore;
  readonly devices: DeviceStore;
  readonly presence: PresenceStore;
  /** The embedded SQLite database, or null when the stores are in PostgreSQL. */
  readonly sqlite: ServerDatabase | null;
  /** The PostgreSQL pool, or null for SQLite. */
  readonly postgres: PostgresDatabase | null;
  close(): Promise<void>;
}

export type StoreSettings = Pick<ClusterConfig, 'databaseUrl'> &
  Pick<MailboxConfig, 'maxMailboxBytes' | 'maxMailboxEntries' | 'mailboxTtlMs' | 'mailboxMaxPageBytes'> &
  Partial<Pick<MailboxConfig, 'mailboxWriterShare' | 'mailboxMaxFileBytes' | 'mailboxBlobMaxBytes' | 'mailboxBlobTtlMs' | 'mailboxBlobMaxTotalBytes'>> & {
    readonly dataDir: string;
    readonly logger: Logger;
    /** This node's VAPID public key: on a shared database every node must have the same. */
    readonly vapidPublicKey?: string;
  };

/** Opens (and migrates) the stores; PostgreSQL unreachable at start is an error. */
export async function openStores(settings: StoreSettings): Promise<ServerStores> {
  const limits = {
    maxMailboxBytes: settings.maxMailboxBytes,
    maxMailboxEntries: settings.maxMailboxEntries,
    writerShare: settings.mailboxWriterShare ?? 1,
    ttlMs: settings.mailboxTtlMs,
    maxPageBytes: settings.mailboxMaxPageBytes,
  };
  const blobLimits: BlobStoreLimits = {
    maxBlobBytes: blobBytesFor(settings.mailboxMaxFileBytes ?? MailboxBlobLimits.maxFileBytes),
    maxMailboxBlobBytes: settings.mailboxBlobMaxBytes ?? MailboxBlobLimits.maxMailboxBlobBytes,
    maxTotalBlobBytes: settings.mailboxBlobMaxTotalBytes ?? 8 * 1024 * 1024 * 1024,
    ttlMs: settings.mailboxBlobTtlMs ?? MailboxBlobLimits.ttlMs,
  };
  if (settings.databaseUrl === null) {
    const db = openServerDatabase(settings.dataDir);
    return {
      mailboxes: createSqliteMailboxStore(db, limits),
      blobs: createSqliteBlobStore(db, blobLimits),
      subscriptions: createSqlitePushSubscriptionStore(db),
      devices: createSqliteDeviceStore(db),
      presence: createSqlitePresenceStore(db),
      sqlite: db,
      postgres: null,
      close: async () => {
        db.close();
      },
    };
  }
  const pg = openPostgres({ url: settings.databaseUrl, logger: settings.logger });
  try {
    // In sequence: each migrates under the same advisory lock.
    const mailboxes = await createPostgresMailboxStore(pg, limits);
    const blobs = await createPostgresBlobStore(pg, blobLimits);
    const subscriptions = await createPostgresPushSubscriptionStore(pg);
    const devices = await createPostgresDeviceStore(pg);
    const presence = await createPostgresPresenceStore(pg);
    if (settings.vapidPublicKey !== undefined) await agreeOnVapidKey(pg, settings.vapidPublicKey);
    return { mailboxes, blobs, subscriptions, devices, presence, sqlite: null, postgres: pg, close: () => pg.close() };
  } catch (err) {
    await pg.close();
    throw err;
  }
}

/** How this node reaches the others: nothing (one node) or Redis. */
export interface ServerLinks {
  readonly bus: SignalBus;
  readonly directory: PresenceDirectory;
  /** The Redis fan-out other buses use, or null on one node. */
  readonly fanout: RedisFanout | null;
  close(): Promise<void>;
}

export interface LinkSettings extends Pick<ClusterConfig, 'redisUrl' | 'nodeId'> {
  readonly logger: Logger;
  /** Ids whose node died and went offline: record their last-seen. */
  readonly onReaped: (ids: readonly string[], at: number) => void;
}

export async function openLinks({ redisUrl, nodeId, logger, onReaped }: LinkSettings): Promise<ServerLinks> {
  if (redisUrl === null) {
    const directory = new MemoryPresenceDirectory();
    return { bus: new MemorySignalBus(), directory, fanout: null, close: () => directory.close() };
  }
  const fanout = new RedisFanout(redisUrl, nodeId, logger);
  await fanout.start();
  const directory = new RedisPresenceDirectory({ fanout, logger, onReaped });
  await directory.start();
  return {
    bus: new RedisSignalBus(fanout),
    directory,
    fanout,
    async close() {
      await directory.close();
      await fanout.close();
    },
  };
}
