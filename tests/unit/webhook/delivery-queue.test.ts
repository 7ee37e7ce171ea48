/**
 * The outgoing webhook queue, in memory and in SQLite, meets one contract: per hook in
 * order, one delivery per event id, attempts and due times kept, removal on settlement;
 * the SQLite one keeps all of it across a reopen of the file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDeliveryQueue, SqliteDeliveryQueue, type DeliveryQueue } from '../../../src/webhook/delivery-queue.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function sqliteFile(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-queue-'));
  dirs.push(dir);
  return path.join(dir, 'webhooks.db');
}

const kinds: Array<[string, () => Promise<DeliveryQueue>]> = [
  ['memory', async () => new MemoryDeliveryQueue()],
  ['sqlite', async () => new SqliteDeliveryQueue(await sqliteFile())],
];

for (const [kind, make] of kinds) {
  describe(`${kind} delivery queue`, () => {
    it('hands deliveries out per hook in order, once per event id, and keeps attempts until removed', async () => {
      const q = await make();
      try {
        expect(q.add('h1', 'e1', '{"n":1}', 10)).toBe(true);
        expect(q.add('h2', 'e1', '{"n":9}', 10)).toBe(true);
        expect(q.add('h1', 'e2', '{"n":2}', 10)).toBe(true);
        expect(q.add('h1', 'e1', '{"n":1}', 99)).toBe(false);
        expect(q.count('h1')).toBe(2);
        const first = q.next('h1')!;
        expect(first).toMatchObject({ delivery: 'e1', body: '{"n":1}', attempts: 0, due: 10 });
        q.retry(first.seq, 3, 500);
        expect(q.next('h1')).toMatchObject({ delivery: 'e1', attempts: 3, due: 500 });
        q.remove(first.seq);
        expect(q.next('h1')).toMatchObject({ delivery: 'e2' });
        expect(q.next('h2')).toMatchObject({ delivery: 'e1', body: '{"n":9}' });
        expect(q.next('h3')).toBeNull();
      } finally {
        q.close();
      }
    });
  });
}

describe('sqlite delivery queue on disk', () => {
  it('keeps waiting deliveries, their attempts and due times across a reopen', async () => {
    const file = await sqliteFile();
    const q = new SqliteDeliveryQueue(file);
    q.add('h', 'e1', 'body', 5);
    q.retry(q.next('h')!.seq, 2, 1234);
    q.close();
    const again = new SqliteDeliveryQueue(file);
    try {
      expect(again.next('h')).toMatchObject({ delivery: 'e1', body: 'body', attempts: 2, due: 1234 });
    } finally {
      again.close();
    }
  });
});
