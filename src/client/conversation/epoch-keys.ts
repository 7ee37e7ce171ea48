/**
 * The epoch secrets this device holds for one conversation (docs/architecture.md §4.1,
 * §4.7): the current one, which the topic, mailbox and proofs derive from, and retired
 * ones kept only while their mailbox may still hold entries nobody here has read. A
 * retired secret is deleted once the mailbox TTL has passed since it was replaced: after
 * that no entry it could open still exists on the server.
 */
import { fromBase64Url, toBase64Url } from '../../core/bytes.js';
import { deriveConversationKeys, type ConversationKeys } from '../../core/keys.js';
import { IMPLICIT_GENESIS } from '../../core/membership/records.js';
import type { ConversationRecord, StoredEpoch } from '../../store/types.js';

/** The server's default mailbox TTL; entries of a retired epoch are gone after it. */
export const MAILBOX_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export class EpochKeyring {
  private epochs: StoredEpoch[];
  private readonly derived = new Map<string, Promise<ConversationKeys>>();

  constructor(record: ConversationRecord) {
    this.epochs = record.epochs?.length
      ? [...record.epochs]
      : [{ id: IMPLICIT_GENESIS, n: 0, secret: record.secret, since: record.createdAt }];
  }

  /** The epoch this device syncs in. */
  get current(): StoredEpoch {
    return this.epochs.at(-1)!;
  }

  /** Replaced epochs whose keys are still kept (their mailboxes may hold unread entries). */
  get retired(): readonly StoredEpoch[] {
    return this.epochs.slice(0, -1);
  }

  has(id: string): boolean {
    return this.epochs.some((e) => e.id === id);
  }

  secretOf(id: string): Uint8Array | null {
    const e = this.epochs.find((x) => x.id === id);
    return e ? fromBase64Url(e.secret) : null;
  }

  /** Derived keys of an epoch held here (cached: HKDF runs once per epoch). */
  keysOf(id: string): Promise<ConversationKeys> {
    let keys = this.derived.get(id);
    if (!keys) {
      const secret = this.secretOf(id);
      if (!secret) return Promise.reject(new Error(`no secret for epoch ${id}`));
      this.derived.set(id, (keys = deriveConversationKeys(secret)));
    }
    return keys;
  }

  /** Moves into a new epoch; the one before is retired now. Returns false if already in it. */
  enter(id: string, n: number, secret: Uint8Array, now: number): boolean {
    if (this.current.id === id) return false;
    const before = this.epochs.filter((e) => e.id !== id).map((e) => (e.retiredAt === undefined ? { ...e, retiredAt: now } : e));
    this.epochs = [...before, { id, n, secret: toBase64Url(secret), since: now }];
    return true;
  }

  /**
   * Deletes the secrets of epochs retired longer than `ttlMs` ago. Returns the ids deleted
   * (the caller persists the record and forgets their mailboxes).
   */
  expire(now: number, ttlMs = MAILBOX_TTL_MS): string[] {
    const gone = this.retired.filter((e) => e.retiredAt !== undefined && now - e.retiredAt >= ttlMs).map((e) => e.id);
    if (gone.length === 0) return [];
    this.epochs = this.epochs.filter((e) => !gone.includes(e.id));
    for (const id of gone) this.derived.delete(id);
    return gone;
  }

  /** The record fields that store this keyring. */
  recordFields(): Pick<ConversationRecord, 'secret' | 'epochs'> {
    return { secret: this.current.secret, epochs: this.epochs };
  }
}
