/**
 * The epoch secrets this device holds for one conversation (docs/architecture.md §4.1,
 * §4.7): the current one, which the topic, mailbox and proofs derive from, and retired
 * ones kept only while their mailbox may still hold entries nobody here has read. A
 * retired secret is deleted once the mailbox TTL has passed since it was replaced: after
 * that no entry it could open still exists on the server. Its file root (what the epoch's
 * files' keys derive from, docs/architecture.md §14.1) is kept instead: files outlive the
 * mailbox, and a root opens nothing else.
 */
import { fromBase64Url, toBase64Url } from '../../core/bytes.js';
import { deriveFileRoot } from '../../core/files/file-key.js';
import { deriveConversationKeys, type ConversationKeys } from '../../core/keys.js';
import { IMPLICIT_GENESIS } from '../../core/membership/records.js';
import type { ConversationRecord, StoredEpoch } from '../../store/types.js';

/** The server's default mailbox TTL; entries of a retired epoch are gone after it. */
export const MAILBOX_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/**
 * Most file roots handed to a joiner (docs/protocol.md §10): the newest epochs' first. At a
 * weekly rotation that is years of files, and the grant stays well inside a signaling frame.
 */
export const MAX_HANDED_FILE_ROOTS = 200;

export class EpochKeyring {
  private epochs: StoredEpoch[];
  private readonly derived = new Map<string, Promise<ConversationKeys>>();
  /** File roots of epochs whose secret is not held (handed over, or kept past the secret). */
  private roots: Record<string, string>;

  constructor(record: ConversationRecord) {
    this.epochs = record.epochs?.length
      ? [...record.epochs]
      : [{ id: IMPLICIT_GENESIS, n: 0, secret: record.secret, since: record.createdAt }];
    this.roots = { ...(record.fileRoots ?? {}) };
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

  /** The file root of an epoch (docs/architecture.md §14.1): from its secret, or kept without it. */
  async fileRootOf(id: string): Promise<string | null> {
    const secret = this.secretOf(id);
    return secret ? deriveFileRoot(secret) : (this.roots[id] ?? null);
  }

  /**
   * Every file root this device can give, newest epochs first, capped at `max`, leaving out
   * `except` (the epoch a joiner gets the secret of anyway): what a full-history group hands
   * a joiner. Epochs held by secret are newer than roots kept without one.
   */
  async fileRoots(except: string, max = MAX_HANDED_FILE_ROOTS): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    const held = [...this.epochs].reverse().filter((e) => e.id !== except);
    for (const e of held.slice(0, max)) out[e.id] = await deriveFileRoot(fromBase64Url(e.secret)!);
    const kept = Object.entries(this.roots).filter(([id]) => id !== except && !(id in out));
    kept.sort(([a], [b]) => seqOf(b) - seqOf(a));
    for (const [id, root] of kept.slice(0, Math.max(0, max - Object.keys(out).length))) out[id] = root;
    return out;
  }

  /**
   * Keeps file roots handed to this device (by a joiner's grant or the user's other device)
   * for epochs it holds no secret and no root of; returns the ids it kept. A root of an epoch
   * whose secret is here would only repeat what the secret derives.
   */
  keepRoots(roots: Readonly<Record<string, string>>): string[] {
    const kept = Object.entries(roots).filter(([id]) => !this.has(id) && !(id in this.roots));
    for (const [id, root] of kept) this.roots[id] = root;
    return kept.map(([id]) => id);
  }

  /**
   * Deletes the secrets of epochs retired longer than `ttlMs` ago, keeping their file roots.
   * Returns the ids deleted (the caller persists the record and forgets their mailboxes).
   */
  async expire(now: number, ttlMs = MAILBOX_TTL_MS): Promise<string[]> {
    const gone = this.retired.filter((e) => e.retiredAt !== undefined && now - e.retiredAt >= ttlMs);
    if (gone.length === 0) return [];
    const roots = await Promise.all(gone.map((e) => deriveFileRoot(fromBase64Url(e.secret)!)));
    gone.forEach((e, i) => (this.roots[e.id] = roots[i]!));
    const ids = gone.map((e) => e.id);
    this.epochs = this.epochs.filter((e) => !ids.includes(e.id));
    for (const id of ids) this.derived.delete(id);
    return ids;
  }

  /** The record fields that store this keyring. */
  recordFields(): Pick<ConversationRecord, 'secret' | 'epochs' | 'fileRoots'> {
    return { secret: this.current.secret, epochs: this.epochs, ...(Object.keys(this.roots).length > 0 ? { fileRoots: { ...this.roots } } : {}) };
  }
}

/** An epoch's depth from its id (`e<seq>-…`; the implicit genesis is 0). */
const seqOf = (id: string): number => (id === IMPLICIT_GENESIS ? 0 : Number(/^e(\d+)-/.exec(id)?.[1] ?? 0));
