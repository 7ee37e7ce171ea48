/**
 * {@link PushSubscriptionStore} on PostgreSQL (docs/architecture.md §6, scale-out): the
 * tables of `subscription-sqlite.ts`. A claim is one conditional upsert, so of two nodes
 * claiming the same (subscription, mailbox, seq) exactly one sees its row change.
 */
import type { PostgresDatabase } from '../postgres.js';
import { subscriptionOf, type PushSubscriptionStore, type SubscriptionRow, type UpsertOutcome } from './subscription-store.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE push_subscriptions (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     endpoint_hash text NOT NULL UNIQUE,
     endpoint text NOT NULL,
     p256dh text NOT NULL,
     auth text NOT NULL,
     updated_at bigint NOT NULL
   )`,
  `CREATE TABLE push_follows (
     mailbox text NOT NULL,
     subscription bigint NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
     PRIMARY KEY (mailbox, subscription)
   )`,
  'CREATE INDEX push_follows_by_subscription ON push_follows (subscription)',
  `CREATE TABLE push_claims (
     subscription bigint NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
     mailbox text NOT NULL,
     seq bigint NOT NULL,
     PRIMARY KEY (subscription, mailbox)
   )`,
  // The address that first posted it (a keyed hash, push/owner.ts), counted by the per-address bound.
  `ALTER TABLE push_subscriptions ADD COLUMN owner text NOT NULL DEFAULT ''`,
  'CREATE INDEX push_subscriptions_by_owner ON push_subscriptions (owner)',
  // Its /48 the same way, for the per-site bound.
  `ALTER TABLE push_subscriptions ADD COLUMN site text NOT NULL DEFAULT ''`,
  'CREATE INDEX push_subscriptions_by_site ON push_subscriptions (site)',
];

export async function createPostgresPushSubscriptionStore(db: PostgresDatabase): Promise<PushSubscriptionStore> {
  await db.migrate(MIGRATIONS, 'push');
  return {
    upsert(sub, mailboxes, now, caps = { maxSubscriptions: Infinity }) {
      return db.transaction(async (tx): Promise<UpsertOutcome> => {
        const { owner, site } = caps;
        if (Number.isFinite(caps.maxSubscriptions) || owner || site) {
          const known = await tx.query('SELECT 1 FROM push_subscriptions WHERE endpoint_hash = $1', [sub.endpointHash]);
          if (known.rowCount === 0) {
            const { rows: counted } = await tx.query<{ n: string }>('SELECT count(*) AS n FROM push_subscriptions');
            if (Number(counted[0]?.n ?? 0) >= caps.maxSubscriptions) return 'full';
            for (const [column, cap] of [['owner', owner], ['site', site]] as const) {
              if (!cap) continue;
              const { rows: held } = await tx.query<{ n: string }>(`SELECT count(*) AS n FROM push_subscriptions WHERE ${column} = $1`, [cap.key]);
              if (Number(held[0]?.n ?? 0) >= cap.max) return 'owner-full';
            }
          }
        }
        // The owner is written for a new row only (the upsert's UPDATE leaves it).
        const { rows } = await tx.query<{ id: number }>(
          `INSERT INTO push_subscriptions (endpoint_hash, endpoint, p256dh, auth, updated_at, owner, site) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (endpoint_hash) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth, updated_at = excluded.updated_at
           RETURNING id`,
          [sub.endpointHash, sub.endpoint, sub.p256dh, sub.auth, now, owner?.key ?? '', site?.key ?? ''],
        );
        const id = rows[0]!.id;
        await tx.query('DELETE FROM push_follows WHERE subscription = $1', [id]);
        // One statement for up to 1,000 mailboxes instead of one round trip each.
        await tx.query('INSERT INTO push_follows (mailbox, subscription) SELECT DISTINCT m, $1::bigint FROM unnest($2::text[]) AS m', [id, mailboxes]);
        await tx.query('DELETE FROM push_claims WHERE subscription = $1 AND mailbox <> ALL ($2::text[])', [id, mailboxes]);
        return 'stored';
      });
    },
    // Times are whole for the bigint column (the server's bound, now - TTL / 10, may not be; PostgreSQL
    // refuses "….5" outright); `x < ceil(t)` is `x < t` for a whole x.
    async markUsed(id, now, staleBefore) {
      await db.query('UPDATE push_subscriptions SET updated_at = $1 WHERE id = $2 AND updated_at < $3', [Math.floor(now), id, Math.ceil(staleBefore)]);
    },
    async purgeUnused(before) {
      return (await db.query('DELETE FROM push_subscriptions WHERE updated_at < $1', [Math.ceil(before)])).rowCount ?? 0;
    },
    async removeByEndpointHash(hash) {
      return ((await db.query('DELETE FROM push_subscriptions WHERE endpoint_hash = $1', [hash])).rowCount ?? 0) > 0;
    },
    async removeById(id) {
      return ((await db.query('DELETE FROM push_subscriptions WHERE id = $1', [id])).rowCount ?? 0) > 0;
    },
    async followers(mailbox) {
      const { rows } = await db.query<SubscriptionRow>(
        `SELECT s.id, s.endpoint, s.endpoint_hash, s.p256dh, s.auth
         FROM push_follows f JOIN push_subscriptions s ON s.id = f.subscription
         WHERE f.mailbox = $1`,
        [mailbox],
      );
      return rows.map(subscriptionOf);
    },
    async count() {
      return (await db.query<{ n: number }>('SELECT count(*)::bigint AS n FROM push_subscriptions')).rows[0]?.n ?? 0;
    },
    async claim(id, mailbox, seq) {
      const result = await db.query(
        `INSERT INTO push_claims (subscription, mailbox, seq) VALUES ($1, $2, $3)
         ON CONFLICT (subscription, mailbox) DO UPDATE SET seq = excluded.seq WHERE push_claims.seq < excluded.seq`,
        [id, mailbox, seq],
      );
      return (result.rowCount ?? 0) > 0;
    },
  };
}
