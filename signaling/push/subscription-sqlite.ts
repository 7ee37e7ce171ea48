/** {@link PushSubscriptionStore} on the server's SQLite database. */
import type { ServerDatabase } from '../database.js';
import { migrate } from '../database.js';
import type { PushSubscriptionRecord } from './subscription-input.js';
import { subscriptionOf, type PushSubscriptionStore, type SubscriptionCaps, type SubscriptionRow, type UpsertOutcome } from './subscription-store.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE push_subscriptions (
     id INTEGER PRIMARY KEY,
     endpoint_hash TEXT NOT NULL UNIQUE,
     endpoint TEXT NOT NULL,
     p256dh TEXT NOT NULL,
     auth TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   ) STRICT`,
  // Keyed by mailbox first: the hot query is "who follows this mailbox" after each append.
  `CREATE TABLE push_follows (
     mailbox TEXT NOT NULL,
     subscription INTEGER NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
     PRIMARY KEY (mailbox, subscription)
   ) STRICT, WITHOUT ROWID`,
  'CREATE INDEX push_follows_by_subscription ON push_follows (subscription)',
  // The newest seq announced per (subscription, mailbox): see PushSubscriptionStore.claim.
  `CREATE TABLE push_claims (
     subscription INTEGER NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
     mailbox TEXT NOT NULL,
     seq INTEGER NOT NULL,
     PRIMARY KEY (subscription, mailbox)
   ) STRICT, WITHOUT ROWID`,
  // The address that first posted it (a keyed hash, push/owner.ts), counted by the per-address bound.
  `ALTER TABLE push_subscriptions ADD COLUMN owner TEXT NOT NULL DEFAULT ''`,
  'CREATE INDEX push_subscriptions_by_owner ON push_subscriptions (owner)',
  // Its /48 the same way ('' for an IPv4 address, its own site), for the per-site bound.
  `ALTER TABLE push_subscriptions ADD COLUMN site TEXT NOT NULL DEFAULT ''`,
  'CREATE INDEX push_subscriptions_by_site ON push_subscriptions (site)',
];

export function createSqlitePushSubscriptionStore(db: ServerDatabase): PushSubscriptionStore {
  migrate(db, MIGRATIONS, 'push');
  const q = {
    upsert: db.prepare<[string, string, string, string, number, string, string], { id: number }>(
      `INSERT INTO push_subscriptions (endpoint_hash, endpoint, p256dh, auth, updated_at, owner, site) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(endpoint_hash) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth, updated_at = excluded.updated_at
       RETURNING id`,
    ),
    clearFollows: db.prepare('DELETE FROM push_follows WHERE subscription = ?'),
    // Claims of mailboxes no longer followed go with the follows they belonged to.
    pruneClaims: db.prepare('DELETE FROM push_claims WHERE subscription = ? AND mailbox NOT IN (SELECT mailbox FROM push_follows WHERE subscription = ?)'),
    claim: db.prepare(
      `INSERT INTO push_claims (subscription, mailbox, seq) VALUES (?, ?, ?)
       ON CONFLICT (subscription, mailbox) DO UPDATE SET seq = excluded.seq WHERE push_claims.seq < excluded.seq`,
    ),
    follow: db.prepare('INSERT OR IGNORE INTO push_follows (mailbox, subscription) VALUES (?, ?)'),
    removeByHash: db.prepare('DELETE FROM push_subscriptions WHERE endpoint_hash = ?'),
    removeById: db.prepare('DELETE FROM push_subscriptions WHERE id = ?'),
    followers: db.prepare<[string], SubscriptionRow>(
      `SELECT s.id, s.endpoint, s.endpoint_hash, s.p256dh, s.auth
       FROM push_follows f JOIN push_subscriptions s ON s.id = f.subscription
       WHERE f.mailbox = ?`,
    ),
    count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM push_subscriptions'),
    owned: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM push_subscriptions WHERE owner = ?'),
    inSite: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM push_subscriptions WHERE site = ?'),
    known: db.prepare<[string], { id: number }>('SELECT id FROM push_subscriptions WHERE endpoint_hash = ?'),
    markUsed: db.prepare('UPDATE push_subscriptions SET updated_at = ? WHERE id = ? AND updated_at < ?'),
    purgeUnused: db.prepare('DELETE FROM push_subscriptions WHERE updated_at < ?'),
  };

  const upsert = db.transaction((sub: PushSubscriptionRecord, mailboxes: readonly string[], now: number, caps: SubscriptionCaps): UpsertOutcome => {
    // Counted only for a new endpoint, inside the write transaction, so the caps are exact here.
    if (q.known.get(sub.endpointHash) === undefined) {
      if ((q.count.get()?.n ?? 0) >= caps.maxSubscriptions) return 'full';
      if (caps.owner && (q.owned.get(caps.owner.key)?.n ?? 0) >= caps.owner.max) return 'owner-full';
      if (caps.site && (q.inSite.get(caps.site.key)?.n ?? 0) >= caps.site.max) return 'owner-full';
    }
    // The owner is written for a new row only (the upsert's UPDATE leaves it).
    const row = q.upsert.get(sub.endpointHash, sub.endpoint, sub.p256dh, sub.auth, now, caps.owner?.key ?? '', caps.site?.key ?? '');
    if (row === undefined) throw new Error('upsert returned no row');
    q.clearFollows.run(row.id);
    for (const mailbox of mailboxes) q.follow.run(mailbox, row.id);
    q.pruneClaims.run(row.id, row.id);
    return 'stored';
  });

  return {
    async upsert(sub, mailboxes, now, caps = { maxSubscriptions: Infinity }) {
      return upsert.immediate(sub, mailboxes, now, caps);
    },
    async markUsed(id, now, staleBefore) {
      // Whole, as the STRICT INTEGER column requires (PostgreSQL's store does the same).
      q.markUsed.run(Math.floor(now), id, staleBefore);
    },
    async purgeUnused(before) {
      return q.purgeUnused.run(before).changes;
    },
    async removeByEndpointHash(hash) {
      return q.removeByHash.run(hash).changes > 0;
    },
    async removeById(id) {
      return q.removeById.run(id).changes > 0;
    },
    async followers(mailbox) {
      return q.followers.all(mailbox).map(subscriptionOf);
    },
    async count() {
      return q.count.get()?.n ?? 0;
    },
    async claim(id, mailbox, seq) {
      return q.claim.run(id, mailbox, seq).changes > 0;
    },
  };
}
