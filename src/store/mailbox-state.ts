/**
 * Per-mailbox progress of this device: how far it has read, and what it has already
 * written (the document state vector at its last append), so each append carries exactly
 * what is new. Kept in IndexedDB so the service worker and the page share it.
 */
import { committed, request } from './idb.js';

export interface MailboxProgress {
  readonly id: string;
  /** Highest sequence number read and applied (or skipped as garbage). */
  readonly readSeq: number;
  /** Encoded Yjs state vector as of this device's last append; null before the first. */
  readonly sentState: Uint8Array | null;
  /** Sequence number of this device's last snapshot append. */
  readonly snapshotSeq: number;
  /** The first entry still waiting for missing history, and how many pulls it has waited. */
  readonly stuck?: { readonly seq: number; readonly pulls: number };
  /**
   * This device's writer key for the mailbox (32 random bytes, base64url), made at its first
   * append. Only its hash goes with appends; presenting it is the only way to delete this
   * device's entries (docs/architecture.md §7.6).
   */
  readonly writerKey?: string;
}

export interface MailboxStateStore {
  get(id: string): Promise<MailboxProgress>;
  put(progress: MailboxProgress): Promise<void>;
  /** Forgets the progress of these mailboxes (a conversation deleted on this device). */
  remove(ids: readonly string[]): Promise<void>;
}

export const emptyProgress = (id: string): MailboxProgress => ({ id, readSeq: 0, sentState: null, snapshotSeq: 0 });

export const MAILBOX_STORE = 'mailbox';

export class IdbMailboxStateStore implements MailboxStateStore {
  constructor(private readonly db: IDBDatabase) {}

  async get(id: string): Promise<MailboxProgress> {
    const tx = this.db.transaction(MAILBOX_STORE, 'readonly');
    return ((await request(tx.objectStore(MAILBOX_STORE).get(id))) as MailboxProgress | undefined) ?? emptyProgress(id);
  }

  async put(progress: MailboxProgress): Promise<void> {
    const tx = this.db.transaction(MAILBOX_STORE, 'readwrite', { durability: 'strict' });
    tx.objectStore(MAILBOX_STORE).put(progress);
    await committed(tx);
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const tx = this.db.transaction(MAILBOX_STORE, 'readwrite');
    for (const id of ids) tx.objectStore(MAILBOX_STORE).delete(id);
    await committed(tx);
  }
}

export class MemoryMailboxStateStore implements MailboxStateStore {
  private readonly map = new Map<string, MailboxProgress>();
  async get(id: string): Promise<MailboxProgress> {
    return structuredClone(this.map.get(id) ?? emptyProgress(id));
  }
  async put(progress: MailboxProgress): Promise<void> {
    this.map.set(progress.id, structuredClone(progress));
  }
  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.map.delete(id);
  }
}
