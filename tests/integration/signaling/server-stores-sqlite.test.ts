/** The server store contract on the embedded SQLite database (PostgreSQL: tests/cluster). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { describeServerStoreContract } from '../../contracts/server-store-contract.js';

let dataDir = '';
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'parley-stores-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describeServerStoreContract('SQLite', () => ({ dataDir, databaseUrl: null }));
