/**
 * Nodes sharing a PostgreSQL store must share one VAPID key pair: a browser's push
 * subscription is bound to the public key it was given, so a node with another key would
 * send pushes every push service refuses. The first node records its public key; any node
 * starting with a different one refuses to start, saying how to fix it.
 */
import { VapidKeyError } from '../errors.js';
import type { PostgresDatabase } from '../postgres.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE cluster_settings (
     name text PRIMARY KEY,
     value text NOT NULL
   )`,
];

export async function agreeOnVapidKey(db: PostgresDatabase, publicKey: string): Promise<void> {
  await db.migrate(MIGRATIONS, 'cluster');
  await db.query("INSERT INTO cluster_settings (name, value) VALUES ('vapid_public_key', $1) ON CONFLICT (name) DO NOTHING", [publicKey]);
  const { rows } = await db.query<{ value: string }>("SELECT value FROM cluster_settings WHERE name = 'vapid_public_key'");
  if (rows[0]?.value !== publicKey) {
    throw new VapidKeyError('this node has a different VAPID key than the other nodes on this database; give every node the same DATA_DIR/vapid.json');
  }
}
