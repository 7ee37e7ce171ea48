/**
 * The server store contract on a real PostgreSQL (a throwaway cluster on a free port), plus
 * what only PostgreSQL has to prove: an acknowledged append survives the server crashing,
 * and requests fail with StoreUnavailableError (503) while it is down, then work again.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../../signaling/backends.js';
import { StoreUnavailableError, VapidKeyError } from '../../signaling/errors.js';
import { createSilentLogger } from '../../signaling/logger.js';
import { describeServerStoreContract } from '../contracts/server-store-contract.js';
import { PostgresCluster } from '../helpers/postgres-cluster.js';

let pg: PostgresCluster | undefined;
beforeAll(async () => {
  pg = await PostgresCluster.start();
});
afterAll(async () => {
  await pg?.stop();
});

describeServerStoreContract('PostgreSQL', () => ({ dataDir: '/nonexistent', databaseUrl: pg!.url }));

describe('PostgreSQL outages', () => {
  const settings = () => ({
    dataDir: '/nonexistent',
    databaseUrl: pg!.url,
    maxMailboxBytes: 1 << 20,
    maxMailboxEntries: 100,
    mailboxTtlMs: 60_000,
    mailboxMaxPageBytes: 1 << 20,
    logger: createSilentLogger(),
  });

  it('an acknowledged append survives a crash of the database server', async () => {
    const stores = await openStores(settings());
    const box = randomBytes(32).toString('hex');
    const data = randomBytes(1000);
    try {
      const { seq } = await stores.mailboxes.append(box, data, { snapshotUpTo: null, now: Date.now() });
      // Immediate stop: no checkpoint, no clean shutdown; recovery replays the WAL.
      pg!.pause('immediate');
      await pg!.resume();
      const page = await stores.mailboxes.list(box, 0, 10, Date.now());
      expect(page.entries.map((e) => [e.seq, Buffer.from(e.data).equals(data)])).toEqual([[seq, true]]);
    } finally {
      await stores.close();
    }
  });

  it('fails with StoreUnavailableError while the server is down, and works again once it is back', async () => {
    const stores = await openStores(settings());
    const box = randomBytes(32).toString('hex');
    try {
      await stores.mailboxes.append(box, new Uint8Array([1]), { snapshotUpTo: null, now: Date.now() });
      pg!.pause('fast');
      const started = performance.now();
      await expect(stores.mailboxes.append(box, new Uint8Array([2]), { snapshotUpTo: null, now: Date.now() })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(stores.mailboxes.list(box, 0, 10, Date.now())).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(stores.presence.lastSeen(['a'.repeat(32)])).rejects.toBeInstanceOf(StoreUnavailableError);
      // Failing fast is the point: a request must not hang for the length of the outage.
      expect(performance.now() - started).toBeLessThan(10_000);
      await pg!.resume();
      const { seq } = await stores.mailboxes.append(box, new Uint8Array([3]), { snapshotUpTo: null, now: Date.now() });
      expect(seq).toBe(2);
    } finally {
      await stores.close();
    }
  });
});

describe('the blob area on several nodes', () => {
  it('two nodes storing into different mailboxes at once never pass the server-wide cap, not by a piece', async () => {
    const base = { dataDir: '/nonexistent', databaseUrl: pg!.url, maxMailboxBytes: 1 << 20, maxMailboxEntries: 100, mailboxTtlMs: 60_000, mailboxMaxPageBytes: 1 << 20, logger: createSilentLogger() };
    const probe = await openStores(base);
    const before = await probe.blobs!.totalBytes();
    await probe.close();
    const nodes = [await openStores({ ...base, mailboxBlobMaxTotalBytes: before + 2000 }), await openStores({ ...base, mailboxBlobMaxTotalBytes: before + 2000 })];
    try {
      // Rounds of 40 puts of 100 bytes, each into a mailbox of its own and alternating nodes:
      // only the cap stands between them, and exactly 20 fit.
      const puts = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) => nodes[i % 2]!.blobs!.put({ mailbox: randomBytes(32).toString('hex'), blob: randomBytes(32).toString('hex'), piece: 0 }, new Uint8Array(100), Date.now())),
      );
      expect(puts.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
      for (const r of puts) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'storage-full', reason: 'cap' });
      expect(await nodes[1]!.blobs!.totalBytes()).toBe(before + 2000);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });
});

describe('one VAPID key per cluster', () => {
  it('a node whose VAPID key differs from the one the cluster recorded does not start', async () => {
    const base = { dataDir: '/nonexistent', databaseUrl: pg!.url, maxMailboxBytes: 1 << 20, maxMailboxEntries: 100, mailboxTtlMs: 60_000, mailboxMaxPageBytes: 1 << 20, logger: createSilentLogger() };
    const first = await openStores({ ...base, vapidPublicKey: 'key-of-the-first-node' });
    await first.close();
    // The same key again: fine (a restart, or a second node sharing DATA_DIR/vapid.json).
    await (await openStores({ ...base, vapidPublicKey: 'key-of-the-first-node' })).close();
    await expect(openStores({ ...base, vapidPublicKey: 'another-key' })).rejects.toBeInstanceOf(VapidKeyError);
  });
});
