/**
 * One contract for the server's durable stores (mailbox, push subscriptions, devices,
 * presence last-seen), run against every backend: SQLite (embedded) and PostgreSQL (shared by
 * nodes). Each case opens the stores the way the server does (`openStores`), and the
 * concurrency cases open a second instance on the same database, as a second node would.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openStores, type ServerStores, type StoreSettings } from '../../signaling/backends.js';
import { StorageFullError } from '../../signaling/errors.js';
import { createSilentLogger } from '../../signaling/logger.js';
import { MailboxQuotaError, MailboxSnapshotError } from '../../signaling/mailbox/mailbox-store.js';
import { BlobQuotaError, type BlobStore } from '../../signaling/mailbox/blob-store.js';

/** Where the stores live: a data directory, or a PostgreSQL URL (then dataDir is unused). */
export interface StoreBackend {
  readonly dataDir: string;
  readonly databaseUrl: string | null;
}

type Limits = Pick<
  StoreSettings,
  'maxMailboxBytes' | 'maxMailboxEntries' | 'mailboxTtlMs' | 'mailboxMaxPageBytes' | 'mailboxWriterShare' | 'mailboxMaxFileBytes' | 'mailboxBlobMaxBytes' | 'mailboxBlobTtlMs' | 'mailboxBlobMaxTotalBytes'
>;

const DEFAULT_LIMITS: Limits = { maxMailboxBytes: 1 << 20, maxMailboxEntries: 100, mailboxTtlMs: 60_000, mailboxMaxPageBytes: 1 << 20 };

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
/** A writer id (docs/architecture.md §7.6): deletes and snapshots reach only its entries. */
const W = 'a'.repeat(64);
const bytes = (n: number, fill = 7): Uint8Array => new Uint8Array(n).fill(fill);

export function describeServerStoreContract(name: string, backend: () => StoreBackend): void {
  describe(`server stores: ${name}`, () => {
    const opened: ServerStores[] = [];
    const open = async (limits: Partial<Limits> = {}): Promise<ServerStores> => {
      const { dataDir, databaseUrl } = backend();
      const stores = await openStores({ ...DEFAULT_LIMITS, ...limits, dataDir, databaseUrl, logger: createSilentLogger() });
      opened.push(stores);
      return stores;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    describe('mailbox', () => {
      it('hands out dense seqs from 1 and lists entries byte for byte, oldest first', async () => {
        const { mailboxes } = await open();
        const box = hex(32);
        const first = await mailboxes.append(box, bytes(10, 1), { snapshotUpTo: null, now: 1000 });
        const second = await mailboxes.append(box, bytes(20, 2), { snapshotUpTo: null, now: 2000 });
        expect([first, second]).toEqual([
          { seq: 1, at: 1000 },
          { seq: 2, at: 2000 },
        ]);
        const page = await mailboxes.list(box, 0, 100, 2500);
        expect(page.more).toBe(false);
        expect(page.entries.map((e) => ({ seq: e.seq, at: e.at, data: [...e.data] }))).toEqual([
          { seq: 1, at: 1000, data: [...bytes(10, 1)] },
          { seq: 2, at: 2000, data: [...bytes(20, 2)] },
        ]);
        expect((await mailboxes.list(box, 1, 100, 2500)).entries.map((e) => e.seq)).toEqual([2]);
        expect((await mailboxes.list(hex(32), 0, 100, 2500)).entries).toEqual([]);
      });

      it('pages by count and by bytes, always returning at least one entry', async () => {
        const { mailboxes } = await open({ mailboxMaxPageBytes: 25 });
        const box = hex(32);
        for (const size of [30, 10, 10, 10, 10]) await mailboxes.append(box, bytes(size), { snapshotUpTo: null, now: 1 });
        // The first entry alone is over the page cap and still comes back.
        expect(await seqsOf(mailboxes.list(box, 0, 100, 1))).toEqual({ seqs: [1], more: true });
        // 10 + 10 fit in 25, a third would not.
        expect(await seqsOf(mailboxes.list(box, 1, 100, 1))).toEqual({ seqs: [2, 3], more: true });
        expect(await seqsOf(mailboxes.list(box, 3, 1, 1))).toEqual({ seqs: [4], more: true });
        expect(await seqsOf(mailboxes.list(box, 3, 2, 1))).toEqual({ seqs: [4, 5], more: false });
      });

      it('refuses an append over the entry or byte quota and changes nothing', async () => {
        const { mailboxes } = await open({ maxMailboxEntries: 2, maxMailboxBytes: 200 });
        const box = hex(32);
        await mailboxes.append(box, bytes(40), { snapshotUpTo: null, now: 1, writer: W });
        await expect(mailboxes.append(box, bytes(161), { snapshotUpTo: null, now: 1 })).rejects.toMatchObject({ quota: 'bytes', limit: 200 });
        await mailboxes.append(box, bytes(60), { snapshotUpTo: null, now: 1, writer: W });
        const refused = mailboxes.append(box, bytes(1), { snapshotUpTo: null, now: 1 });
        await expect(refused).rejects.toBeInstanceOf(MailboxQuotaError);
        await expect(refused).rejects.toMatchObject({ quota: 'entries', limit: 2 });
        expect((await seqsOf(mailboxes.list(box, 0, 100, 1))).seqs).toEqual([1, 2]);
        // A refused append consumed no seq.
        await mailboxes.deleteUpTo(box, 1, W);
        expect((await mailboxes.append(box, bytes(1), { snapshotUpTo: null, now: 1 })).seq).toBe(3);
      });

      it('a snapshot replaces the entries it covers atomically; one claiming the future is refused', async () => {
        const { mailboxes } = await open({ maxMailboxEntries: 3 });
        const box = hex(32);
        for (let i = 0; i < 3; i++) await mailboxes.append(box, bytes(5), { snapshotUpTo: null, now: 1, writer: W });
        await expect(mailboxes.append(box, bytes(5), { snapshotUpTo: 4, now: 1, writer: W })).rejects.toBeInstanceOf(MailboxSnapshotError);
        // Full mailbox, but the snapshot frees what it covers, so it fits.
        expect((await mailboxes.append(box, bytes(9), { snapshotUpTo: 2, now: 2, writer: W })).seq).toBe(4);
        expect((await seqsOf(mailboxes.list(box, 0, 100, 2))).seqs).toEqual([3, 4]);
      });

      it('never reuses a seq after everything was deleted', async () => {
        const { mailboxes } = await open();
        const box = hex(32);
        for (let i = 0; i < 3; i++) await mailboxes.append(box, bytes(5), { snapshotUpTo: null, now: 1, writer: W });
        expect(await mailboxes.deleteUpTo(box, 3, W)).toBe(3);
        expect(await mailboxes.deleteUpTo(box, 3, W)).toBe(0);
        expect(await mailboxes.deleteUpTo(hex(32), 3, W)).toBe(0);
        expect((await mailboxes.append(box, bytes(5), { snapshotUpTo: null, now: 1 })).seq).toBe(4);
      });

      it('hides expired entries, reclaims them for the quota, and purges them', async () => {
        const { mailboxes } = await open({ mailboxTtlMs: 1000, maxMailboxEntries: 2 });
        const old = hex(32);
        const fresh = hex(32);
        await mailboxes.append(old, bytes(5), { snapshotUpTo: null, now: 1000 });
        await mailboxes.append(old, bytes(5), { snapshotUpTo: null, now: 1500 });
        await mailboxes.append(fresh, bytes(5), { snapshotUpTo: null, now: 5000 });
        expect((await seqsOf(mailboxes.list(old, 0, 100, 2200))).seqs).toEqual([2]);
        // Full by count, but entry 1 has expired: it makes room instead of a refusal.
        expect((await mailboxes.append(old, bytes(5), { snapshotUpTo: null, now: 2200 })).seq).toBe(3);
        expect(await mailboxes.purgeExpired(5000)).toBeGreaterThanOrEqual(2);
        expect((await seqsOf(mailboxes.list(old, 0, 100, 0))).seqs).toEqual([]);
        expect((await seqsOf(mailboxes.list(fresh, 0, 100, 5000))).seqs).toEqual([1]);
        // Purged entries no longer count against the quota.
        await mailboxes.append(old, bytes(5), { snapshotUpTo: null, now: 5000 });
        await mailboxes.append(old, bytes(5), { snapshotUpTo: null, now: 5000 });
      });

      it('a delete reaches only its writer’s entries; entries without a writer only expire', async () => {
        const { mailboxes } = await open();
        const box = hex(32);
        const [alice, mallory] = [hex(32), hex(32)];
        await mailboxes.append(box, bytes(5), { snapshotUpTo: null, now: 1, writer: alice });
        await mailboxes.append(box, bytes(5), { snapshotUpTo: null, now: 1 });
        await mailboxes.append(box, bytes(5), { snapshotUpTo: null, now: 1, writer: mallory });
        await mailboxes.append(box, bytes(5), { snapshotUpTo: null, now: 1, writer: alice });
        expect([await mailboxes.deleteUpTo(box, 4, mallory), await mailboxes.deleteUpTo(box, 4, ''), await mailboxes.deleteUpTo(box, 3, alice)]).toEqual([1, 0, 1]);
        expect((await seqsOf(mailboxes.list(box, 0, 100, 1))).seqs).toEqual([2, 4]);
      });

      it('a snapshot replaces only its own writer’s entries, and one without a writer replaces none', async () => {
        const { mailboxes } = await open();
        const box = hex(32);
        const [alice, mallory] = [hex(32), hex(32)];
        await mailboxes.append(box, bytes(5), { snapshotUpTo: null, now: 1, writer: alice });
        await mailboxes.append(box, bytes(5), { snapshotUpTo: null, now: 1, writer: mallory });
        await mailboxes.append(box, bytes(5), { snapshotUpTo: 2, now: 1, writer: mallory });
        await mailboxes.append(box, bytes(5), { snapshotUpTo: 3, now: 1 });
        expect((await seqsOf(mailboxes.list(box, 0, 100, 1))).seqs).toEqual([1, 3, 4]);
        // The byte total follows: 3 entries of 5 bytes are left.
        await mailboxes.append(box, bytes(5), { snapshotUpTo: 1, now: 1, writer: alice });
        expect((await seqsOf(mailboxes.list(box, 0, 100, 1))).seqs).toEqual([3, 4, 5]);
      });

      it('holds each writer, and writerless appends together, to its share of the quotas', async () => {
        const { mailboxes } = await open({ maxMailboxBytes: 400, maxMailboxEntries: 8, mailboxWriterShare: 4 });
        const box = hex(32);
        const [alice, mallory] = [hex(32), hex(32)];
        await mailboxes.append(box, bytes(60), { snapshotUpTo: null, now: 1, writer: mallory });
        await expect(mailboxes.append(box, bytes(41), { snapshotUpTo: null, now: 1, writer: mallory })).rejects.toMatchObject({ quota: 'bytes', limit: 100, scope: 'writer' });
        await mailboxes.append(box, bytes(1), { snapshotUpTo: null, now: 1, writer: mallory });
        await expect(mailboxes.append(box, bytes(1), { snapshotUpTo: null, now: 1, writer: mallory })).rejects.toMatchObject({ quota: 'entries', limit: 2, scope: 'writer' });
        for (let i = 0; i < 2; i++) await mailboxes.append(box, bytes(1), { snapshotUpTo: null, now: 1 });
        await expect(mailboxes.append(box, bytes(1), { snapshotUpTo: null, now: 1 })).rejects.toBeInstanceOf(MailboxQuotaError);
        // Others still write; a snapshot frees its writer's share.
        expect((await mailboxes.append(box, bytes(90), { snapshotUpTo: null, now: 1, writer: alice })).seq).toBe(5);
        expect((await mailboxes.append(box, bytes(100), { snapshotUpTo: 3, now: 1, writer: mallory })).seq).toBe(6);
        expect((await seqsOf(mailboxes.list(box, 0, 100, 1))).seqs).toEqual([3, 4, 5, 6]);
      });

      it('knows which mailboxes exist and how many bytes all of them hold, deletes and snapshots included', async () => {
        const { mailboxes } = await open();
        const [a, b] = [hex(32), hex(32)];
        expect(await mailboxes.exists(a)).toBe(false);
        const before = await mailboxes.totalBytes();
        await mailboxes.append(a, bytes(100), { snapshotUpTo: null, now: 1000, writer: W });
        await mailboxes.append(a, bytes(50), { snapshotUpTo: null, now: 1000, writer: W });
        await mailboxes.append(b, bytes(30), { snapshotUpTo: null, now: 1000, writer: W });
        expect([await mailboxes.exists(a), await mailboxes.exists(b), await mailboxes.exists(hex(32))]).toEqual([true, true, false]);
        expect((await mailboxes.totalBytes()) - before).toBe(180);
        await mailboxes.append(a, bytes(10), { snapshotUpTo: 2, now: 1000, writer: W });
        await mailboxes.deleteUpTo(b, 1, W);
        expect((await mailboxes.totalBytes()) - before).toBe(10);
        // The mailbox outlives its entries (its seq counter must).
        expect(await mailboxes.exists(b)).toBe(true);
      });

      it('tells the last seq ever appended, 0 for a mailbox never written, kept after deletes', async () => {
        const { mailboxes } = await open();
        const box = hex(32);
        expect(await mailboxes.lastSeq(box)).toBe(0);
        for (let i = 0; i < 3; i++) await mailboxes.append(box, bytes(10), { snapshotUpTo: null, now: 1000, writer: W });
        expect(await mailboxes.lastSeq(box)).toBe(3);
        await mailboxes.deleteUpTo(box, 3, W);
        expect(await mailboxes.lastSeq(box)).toBe(3);
        expect(await mailboxes.lastSeq(hex(32))).toBe(0);
      });

      it('two instances appending to one mailbox at once get distinct, dense seqs', async () => {
        const a = await open();
        const b = await open();
        const box = hex(32);
        const appends = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).mailboxes.append(box, bytes(3, i), { snapshotUpTo: null, now: 1 }));
        const seqs = (await Promise.all(appends)).map((r) => r.seq).sort((x, y) => x - y);
        expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
        const listed = await a.mailboxes.list(box, 0, 100, 1);
        expect(listed.entries).toHaveLength(40);
      });
    });

    describe('mailbox blob area', () => {
      const blobsOf = (stores: ServerStores): BlobStore => {
        expect(stores.blobs, 'every backend has a blob area').not.toBeNull();
        return stores.blobs!;
      };
      const piece = (mailbox: string, blob: string, n: number) => ({ mailbox, blob, piece: n });
      const TTL = 60_000;

      it('stores pieces byte for byte; the first live write wins; absent pieces are null', async () => {
        const blobs = blobsOf(await open({ mailboxBlobTtlMs: TTL }));
        const [box, blob] = [hex(32), hex(32)];
        expect(await blobs.put(piece(box, blob, -1), bytes(96, 1), 1000)).toBe(true);
        expect(await blobs.put(piece(box, blob, 0), bytes(500, 2), 1000)).toBe(true);
        expect(await blobs.put(piece(box, blob, 0), bytes(500, 9), 1001)).toBe(false);
        expect([...(await blobs.get(piece(box, blob, 0), 1002))!]).toEqual([...bytes(500, 2)]);
        expect([...(await blobs.get(piece(box, blob, -1), 1002))!]).toEqual([...bytes(96, 1)]);
        expect(await blobs.get(piece(box, blob, 1), 1002)).toBeNull();
        expect(await blobs.get(piece(hex(32), blob, 0), 1002)).toBeNull();
      });

      it('hides pieces past the TTL, purges them, and takes the same piece again afterwards', async () => {
        const blobs = blobsOf(await open({ mailboxBlobTtlMs: TTL }));
        const [box, blob] = [hex(32), hex(32)];
        await blobs.put(piece(box, blob, 0), bytes(100, 1), 1000);
        await blobs.put(piece(box, blob, 1), bytes(100, 1), 1000 + TTL);
        expect(await blobs.get(piece(box, blob, 0), 1000 + TTL)).not.toBeNull();
        expect(await blobs.get(piece(box, blob, 0), 1001 + TTL)).toBeNull();
        // An expired piece does not win: a new write replaces it.
        expect(await blobs.put(piece(box, blob, 0), bytes(100, 5), 1001 + TTL)).toBe(true);
        expect([...(await blobs.get(piece(box, blob, 0), 1002 + TTL))!]).toEqual([...bytes(100, 5)]);
        const other = hex(32);
        await blobs.put(piece(other, blob, 0), bytes(100, 1), 1000);
        const before = await blobs.totalBytes();
        expect(await blobs.purgeExpired(1001 + TTL)).toBeGreaterThanOrEqual(1);
        expect(await blobs.get(piece(other, blob, 0), 1000)).toBeNull();
        expect(await blobs.get(piece(box, blob, 1), 1001 + TTL)).not.toBeNull();
        expect(await blobs.totalBytes()).toBeLessThanOrEqual(before - 100);
      });

      it('keeps a file within the per-file cap and a mailbox within its quota, apart from other mailboxes; a refusal stores nothing', async () => {
        const blobs = blobsOf(await open({ mailboxBlobMaxBytes: 1000, mailboxMaxFileBytes: 1 }));
        const [box, blob] = [hex(32), hex(32)];
        await blobs.put(piece(box, blob, 0), bytes(400), 1000);
        await blobs.put(piece(box, hex(32), 0), bytes(400), 1000);
        const full = await blobs.put(piece(box, blob, 1), bytes(400), 1000).catch((e: unknown) => e);
        expect(full).toBeInstanceOf(BlobQuotaError);
        expect((full as BlobQuotaError).scope).toBe('mailbox');
        expect(await blobs.get(piece(box, blob, 1), 1000)).toBeNull();
        expect(await blobs.put(piece(hex(32), blob, 0), bytes(400), 1000)).toBe(true);
        // The per-file cap is MAILBOX_MAX_FILE_BYTES plus padding and the hash list (about 2.6 MiB for 1 byte).
        const big = blobsOf(await open({ mailboxMaxFileBytes: 1 }));
        const [box2, blob2] = [hex(32), hex(32)];
        const MiB = 1024 * 1024;
        await big.put(piece(box2, blob2, 0), bytes(MiB), 1000);
        await big.put(piece(box2, blob2, 1), bytes(MiB), 1000);
        const tooBig = await big.put(piece(box2, blob2, 2), bytes(MiB), 1000).catch((e: unknown) => e);
        expect(tooBig).toBeInstanceOf(BlobQuotaError);
        expect((tooBig as BlobQuotaError).scope).toBe('blob');
        expect(await big.put(piece(box2, hex(32), 0), bytes(MiB), 1000)).toBe(true);
      });

      it('refuses past the server-wide cap with StorageFullError, storing nothing', async () => {
        const now = await blobsOf(await open()).totalBytes();
        const blobs = blobsOf(await open({ mailboxBlobMaxTotalBytes: now + 1000 }));
        const box = hex(32);
        expect(await blobs.put(piece(box, hex(32), 0), bytes(600), 1000)).toBe(true);
        const refused = await blobs.put(piece(hex(32), hex(32), 0), bytes(600), 1000).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(StorageFullError);
        expect(refused).toMatchObject({ area: 'files', reason: 'cap', code: 'storage-full' });
        expect(await blobs.totalBytes()).toBe(now + 600);
      });

      it('puts into many mailboxes at once never pass the server-wide cap, not by a piece', async () => {
        const now = await blobsOf(await open()).totalBytes();
        const blobs = blobsOf(await open({ mailboxBlobMaxTotalBytes: now + 1000 }));
        // Each put into a mailbox of its own, so no per-mailbox lock orders them: only the cap.
        const puts = await Promise.allSettled(Array.from({ length: 24 }, () => blobs.put(piece(hex(32), hex(32), 0), bytes(200), 1000)));
        expect(puts.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
        for (const r of puts.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toMatchObject({ area: 'files', reason: 'cap' });
        expect(await blobs.totalBytes()).toBe(now + 1000);
      });

      it('deletes one file’s pieces of one writer only; pieces without a writer are nobody’s', async () => {
        const blobs = blobsOf(await open());
        const [box, blob, other] = [hex(32), hex(32), hex(32)];
        const V = 'b'.repeat(64);
        for (const n of [-1, 0, 1]) await blobs.put(piece(box, blob, n), bytes(100), 1000, W);
        await blobs.put(piece(box, blob, 2), bytes(100), 1000, V);
        await blobs.put(piece(box, blob, 3), bytes(100), 1000);
        await blobs.put(piece(box, other, 0), bytes(100), 1000, W);
        const before = await blobs.totalBytes();
        expect(await blobs.deleteBlob(box, blob, '')).toBe(0);
        expect(await blobs.deleteBlob(hex(32), blob, W)).toBe(0);
        expect(await blobs.deleteBlob(box, blob, W)).toBe(3);
        for (const n of [-1, 0, 1]) expect(await blobs.get(piece(box, blob, n), 1000)).toBeNull();
        for (const n of [2, 3]) expect(await blobs.get(piece(box, blob, n), 1000)).not.toBeNull();
        expect(await blobs.get(piece(box, other, 0), 1000)).not.toBeNull();
        expect(await blobs.totalBytes()).toBe(before - 300);
        expect(await blobs.deleteBlob(box, blob, W)).toBe(0);
        // The space is free again for the mailbox's quota.
        expect(await blobs.put(piece(box, blob, 0), bytes(100), 1000, W)).toBe(true);
      });

      it('two instances storing into one mailbox at once: one winner per piece, and the quota holds', async () => {
        const [a, b] = [blobsOf(await open({ mailboxBlobMaxBytes: 1000 })), blobsOf(await open({ mailboxBlobMaxBytes: 1000 }))];
        const [box, blob] = [hex(32), hex(32)];
        const same = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).put(piece(box, blob, 0), bytes(100, i), 1000)));
        expect(same.filter(Boolean)).toHaveLength(1);
        const many = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).put(piece(box, blob, i + 1), bytes(200), 1000)));
        // 100 bytes stored already: four more pieces of 200 fit in 1000, no fifth.
        expect(many.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
        expect(many.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof BlobQuotaError)).toBe(true);
      });
    });

    describe('push subscriptions', () => {
      const subscription = (): { endpoint: string; endpointHash: string; p256dh: string; auth: string } => {
        const id = hex(8);
        return { endpoint: `https://push.example/${id}`, endpointHash: hex(32), p256dh: `p256-${id}`, auth: `auth-${id}` };
      };

      it('registers, replaces the followed set, and forgets by endpoint hash or id', async () => {
        const { subscriptions } = await open();
        const before = await subscriptions.count();
        const sub = subscription();
        const [m1, m2, m3] = [hex(32), hex(32), hex(32)];
        await subscriptions.upsert(sub, [m1, m2], 1);
        expect((await subscriptions.followers(m1)).map((s) => s.endpoint)).toEqual([sub.endpoint]);
        await subscriptions.upsert({ ...sub, auth: 'new-auth' }, [m3], 2);
        expect(await subscriptions.followers(m1)).toEqual([]);
        const [stored] = await subscriptions.followers(m3);
        expect(stored).toMatchObject({ endpoint: sub.endpoint, endpointHash: sub.endpointHash, p256dh: sub.p256dh, auth: 'new-auth' });
        expect(await subscriptions.count()).toBe(before + 1);
        expect(await subscriptions.removeById(stored!.id)).toBe(true);
        expect(await subscriptions.removeById(stored!.id)).toBe(false);
        expect(await subscriptions.followers(m3)).toEqual([]);
        const other = subscription();
        await subscriptions.upsert(other, [m1], 3);
        expect(await subscriptions.removeByEndpointHash(other.endpointHash)).toBe(true);
        expect(await subscriptions.removeByEndpointHash(other.endpointHash)).toBe(false);
        expect(await subscriptions.count()).toBe(before);
      });

      it('refuses a new endpoint at the cap with nothing changed, while a stored one still posts', async () => {
        const { subscriptions } = await open();
        const before = await subscriptions.count();
        const [a, b] = [subscription(), subscription()];
        const [m1, m2] = [hex(32), hex(32)];
        const caps = { maxSubscriptions: before + 1 };
        expect(await subscriptions.upsert(a, [m1], 1, caps)).toBe('stored');
        expect(await subscriptions.upsert(b, [m1], 1, caps)).toBe('full');
        expect((await subscriptions.followers(m1)).map((s) => s.endpoint)).toEqual([a.endpoint]);
        expect(await subscriptions.upsert(a, [m2], 2, caps)).toBe('stored');
        expect((await subscriptions.followers(m2)).map((s) => s.endpoint)).toEqual([a.endpoint]);
        expect(await subscriptions.count()).toBe(before + 1);
        await subscriptions.removeByEndpointHash(a.endpointHash);
      });

      it("holds each owner to its own cap for new endpoints; a stored one still posts, and stays counted under the owner that first posted it", async () => {
        const { subscriptions } = await open();
        const [x, y] = [hex(8), hex(8)];
        const from = (key: string) => ({ maxSubscriptions: Infinity, owner: { key, max: 2 } });
        const [a, b, c, d, e] = [subscription(), subscription(), subscription(), subscription(), subscription()];
        const [m1, m2] = [hex(32), hex(32)];
        expect(await subscriptions.upsert(a, [m1], 1, from(x))).toBe('stored');
        expect(await subscriptions.upsert(b, [m1], 1, from(x))).toBe('stored');
        // On the old store this was stored: nothing counted who posted.
        expect(await subscriptions.upsert(c, [m1], 1, from(x))).toBe('owner-full');
        expect((await subscriptions.followers(m1)).map((s) => s.endpoint).sort()).toEqual([a.endpoint, b.endpoint].sort());
        // Stored ones post again at their owner's cap, from there or elsewhere (a phone that moved).
        expect(await subscriptions.upsert(a, [m2], 2, from(x))).toBe('stored');
        expect(await subscriptions.upsert(b, [m2], 2, from(y))).toBe('stored');
        // b is still x's: y has room for two of its own, not one (else x and y could pass
        // endpoints back and forth and store without bound).
        expect(await subscriptions.upsert(c, [m2], 3, from(y))).toBe('stored');
        expect(await subscriptions.upsert(d, [m2], 3, from(y))).toBe('stored');
        expect(await subscriptions.upsert(e, [m2], 3, from(y))).toBe('owner-full');
        expect(await subscriptions.upsert(e, [m2], 3, from(x))).toBe('owner-full');
        // A freed place is taken again.
        expect(await subscriptions.removeByEndpointHash(a.endpointHash)).toBe(true);
        expect(await subscriptions.upsert(e, [m2], 4, from(x))).toBe('stored');
        expect((await subscriptions.followers(m2)).map((s) => s.endpoint).sort()).toEqual([b, c, d, e].map((s) => s.endpoint).sort());
      });

      it('purges subscriptions last used before a time; a use marked since keeps one', async () => {
        const { subscriptions } = await open();
        const t0 = 1_800_000_000_000;
        const [used, unused] = [subscription(), subscription()];
        const box = hex(32);
        await subscriptions.upsert(used, [box], t0);
        await subscriptions.upsert(unused, [box], t0);
        const usedId = (await subscriptions.followers(box)).find((s) => s.endpoint === used.endpoint)!.id;
        // Not stale yet by its own measure: nothing is written.
        await subscriptions.markUsed(usedId, t0 + 5, t0);
        expect(await subscriptions.purgeUnused(t0 + 1)).toBeGreaterThanOrEqual(2);
        expect(await subscriptions.followers(box)).toEqual([]);

        await subscriptions.upsert(used, [box], t0);
        await subscriptions.upsert(unused, [box], t0);
        const again = (await subscriptions.followers(box)).find((s) => s.endpoint === used.endpoint)!.id;
        await subscriptions.markUsed(again, t0 + 100, t0 + 50);
        expect(await subscriptions.purgeUnused(t0 + 100)).toBeGreaterThanOrEqual(1);
        expect((await subscriptions.followers(box)).map((s) => s.endpoint)).toEqual([used.endpoint]);
        expect(await subscriptions.purgeUnused(t0 + 101)).toBeGreaterThanOrEqual(1);
        expect(await subscriptions.followers(box)).toEqual([]);
      });

      it('marks use and purges with times that are not whole milliseconds (a time to live not a multiple of 10)', async () => {
        const { subscriptions } = await open();
        const t0 = 1_800_000_000_000;
        const sub = subscription();
        const box = hex(32);
        await subscriptions.upsert(sub, [box], t0);
        const id = (await subscriptions.followers(box))[0]!.id;
        // The server marks use when the last one is older than a tenth of the time to live:
        // PostgreSQL refused "1800000000050.5" for its bigint column, so a used subscription was never marked.
        await subscriptions.markUsed(id, t0 + 100, t0 + 50.5);
        expect(await subscriptions.purgeUnused(t0 + 99.5)).toBe(0);
        expect((await subscriptions.followers(box)).map((s) => s.endpoint)).toEqual([sub.endpoint]);
        expect(await subscriptions.purgeUnused(t0 + 100.5)).toBeGreaterThanOrEqual(1);
      });

      it('claims each announcement once, never one older than the last claimed', async () => {
        const { subscriptions } = await open();
        const sub = subscription();
        const box = hex(32);
        await subscriptions.upsert(sub, [box], 1);
        const { id } = (await subscriptions.followers(box))[0]!;
        expect(await subscriptions.claim(id, box, 3)).toBe(true);
        expect(await subscriptions.claim(id, box, 3)).toBe(false);
        expect(await subscriptions.claim(id, box, 2)).toBe(false);
        expect(await subscriptions.claim(id, box, 4)).toBe(true);
        // Following the mailbox anew starts its announcements afresh.
        await subscriptions.upsert(sub, [], 2);
        await subscriptions.upsert(sub, [box], 3);
        expect(await subscriptions.claim(id, box, 1)).toBe(true);
      });

      it('of two instances claiming the same announcement at once, exactly one wins', async () => {
        const a = await open();
        const b = await open();
        const sub = subscription();
        const box = hex(32);
        await a.subscriptions.upsert(sub, [box], 1);
        const { id } = (await a.subscriptions.followers(box))[0]!;
        for (let seq = 1; seq <= 10; seq++) {
          const wins = await Promise.all([a.subscriptions.claim(id, box, seq), b.subscriptions.claim(id, box, seq)]);
          expect(wins.filter(Boolean)).toHaveLength(1);
        }
      });
    });

    describe('devices and presence', () => {
      it('records a device once and counts it', async () => {
        const { devices } = await open();
        const before = await devices.count();
        const key = hex(32);
        await devices.record(key, 1);
        await devices.record(key, 2);
        expect(await devices.count()).toBe(before + 1);
      });

      it('stores last-seen times that never move backwards, for many ids in one call', async () => {
        const { presence } = await open();
        const ids = Array.from({ length: 1000 }, () => hex(16));
        await presence.record(new Map(ids.map((id, i) => [id, 1_700_000_000_000 + i])));
        await presence.record(new Map([[ids[0]!, 5]]));
        const unknown = hex(16);
        const seen = await presence.lastSeen([...ids, unknown]);
        expect(seen.size).toBe(1000);
        expect(seen.get(ids[0]!)).toBe(1_700_000_000_000);
        expect(seen.get(ids[999]!)).toBe(1_700_000_000_999);
        expect(seen.has(unknown)).toBe(false);
        expect((await presence.lastSeen([])).size).toBe(0);
      });
    });
  });
}

async function seqsOf(page: Promise<{ entries: readonly { seq: number }[]; more: boolean }>): Promise<{ seqs: number[]; more: boolean }> {
  const { entries, more } = await page;
  return { seqs: entries.map((e) => e.seq), more };
}
