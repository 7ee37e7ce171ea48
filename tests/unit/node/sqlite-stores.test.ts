/**
 * The SQLite stores of a headless profile meet the same storage contract as IndexedDB and
 * memory, on a real database file in a temporary directory; plus what only a file store
 * must show: the key file's permissions, keys that still sign after a reopen, documents
 * that survive compaction and a closed database.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createAccount } from '../../../src/client/account.js';
import { ProfileStores } from '../../../src/node/sqlite-stores.js';
import { storeContractCases } from '../../contracts/store-contract.js';
import { chunkStoreCases } from '../../contracts/chunk-store-contract.js';
import { fileRecord } from '../../helpers/file-record.js';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-sqlite-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('SQLite profile stores: storage contract', () => {
  for (const c of storeContractCases) {
    it(c.name, async () => {
      const stores = new ProfileStores(await freshDir());
      try {
        await c.run(stores);
      } finally {
        stores.close();
      }
    });
  }
});

describe('SQLite chunk store: chunk store contract', () => {
  for (const c of chunkStoreCases) {
    it(c.name, async () => {
      const stores = new ProfileStores(await freshDir());
      try {
        await c.run(stores.chunks);
      } finally {
        stores.close();
      }
    });
  }
});

describe('SQLite profile stores: on disk', () => {
  it('keeps the account across a reopen, its private keys in keys.json (0600) and still signing', async () => {
    const dir = await freshDir();
    const account = await createAccount('Build bot', 7);
    const first = new ProfileStores(dir);
    await first.accounts.put(account);
    first.close();
    expect((await stat(path.join(dir, 'keys.json'))).mode & 0o777).toBe(0o600);
    const again = new ProfileStores(dir);
    const got = await again.accounts.get();
    again.close();
    expect(got?.device.id).toBe(account.device.id);
    expect(got?.identity).toEqual(account.identity);
    const data = new Uint8Array([9, 9, 9]);
    const sig = await crypto.subtle.sign('Ed25519', got!.device.signPrivate, data);
    const pub = await crypto.subtle.importKey('raw', Buffer.from(account.device.public, 'base64url'), { name: 'Ed25519' }, false, ['verify']);
    expect(await crypto.subtle.verify('Ed25519', pub, sig, data)).toBe(true);
    const bits = await crypto.subtle.deriveBits({ name: 'X25519', public: (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']) as CryptoKeyPair).publicKey }, got!.identityKeys!.dhPrivate, 256);
    expect(bits.byteLength).toBe(32);
  });

  it('refuses a database whose key file was replaced, with a clear error', async () => {
    const dir = await freshDir();
    const stores = new ProfileStores(dir);
    await stores.accounts.put(await createAccount('One', 1));
    const other = new ProfileStores(await freshDir());
    await other.accounts.put(await createAccount('Two', 2));
    other.close();
    const { copyFile } = await import('node:fs/promises');
    await copyFile(path.join(other.dir, 'keys.json'), path.join(dir, 'keys.json'));
    await expect(stores.accounts.get()).rejects.toThrow(/does not belong to its database/);
    stores.close();
  });

  it('a document written past compaction and closed with updates still buffered reopens whole', async () => {
    const dir = await freshDir();
    const stores = new ProfileStores(dir);
    const doc = new Y.Doc();
    stores.docs.open('big', doc);
    const log = doc.getArray<number>('log');
    for (let i = 0; i < 1200; i++) {
      log.insert(log.length, [i]);
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    // Closed without waiting for the last turn's flush.
    stores.close();
    const rows = new ProfileStores(dir);
    const count = (rows.db.prepare('SELECT COUNT(*) AS n FROM doc_updates WHERE name = ?').get('big') as { n: number }).n;
    expect(count).toBeLessThanOrEqual(500);
    const again = new Y.Doc();
    await rows.docs.open('big', again).whenLoaded;
    expect(again.getArray('log').length).toBe(1200);
    expect(again.getArray('log').get(1199)).toBe(1199);
    rows.close();
  });
});

describe('SQLite profile stores: schema upgrade', () => {
  it('a profile made before files existed keeps its records and gains the file tables', async () => {
    const dir = await freshDir();
    const { default: Database } = await import('better-sqlite3');
    const old = new Database(path.join(dir, 'parley.db'));
    old.exec('CREATE TABLE records (scope TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (scope, key)) WITHOUT ROWID;');
    old.exec('CREATE TABLE outbox (id TEXT PRIMARY KEY, conversation TEXT NOT NULL, created_at INTEGER NOT NULL, value BLOB NOT NULL);');
    old.exec('CREATE TABLE doc_updates (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, data BLOB NOT NULL);');
    old.pragma('user_version = 1');
    old.close();
    const stores = new ProfileStores(dir);
    try {
      stores.records.put('profile', 'server', 'http://example.test/');
      await stores.chunks.putFile(fileRecord('r'));
      await stores.chunks.putChunks('r', [{ index: 0, bytes: new Uint8Array([1, 2, 3]) }]);
      expect([...(await stores.chunks.indices('r'))]).toEqual([0]);
      expect(stores.db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(2);
    } finally {
      stores.close();
    }
  });
});
