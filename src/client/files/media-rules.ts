/**
 * This device's rules for media (docs/architecture.md §14.4, §14.7): which files download by
 * themselves (images always, other files up to `autoDownloadBytes`), and how much one
 * conversation's media may take here (`budgetBytes`). Both are kept in the files database's
 * settings store, so they survive reloads; the defaults hold until they are read.
 */
import type { Topic } from '../../core/ids.js';
import { CHUNK_OVERHEAD, chunkCount, type FileRef } from '../../core/files/file-ref.js';
import type { ChunkStore } from '../../store/chunk-store.js';

const AUTO_SETTING = 'auto-download-bytes';
const BUDGET_SETTING = 'media-budget-bytes';
export const DEFAULT_AUTO_BYTES = 25 * 1024 * 1024;
/** 2 GB per conversation: several long videos, and far below what browsers grant an origin. */
export const DEFAULT_BUDGET_BYTES = 2_000_000_000;

/** Media stored for one conversation, split by who made it: what this device sent and what it downloaded. */
export interface MediaUsage {
  readonly sent: number;
  readonly downloaded: number;
}

/** Bytes a file takes here once whole: its sealed chunks (the hash list is not counted). */
export const storedSize = (ref: Pick<FileRef, 'size' | 'chunk'>): number => ref.size + chunkCount(ref.size, ref.chunk) * CHUNK_OVERHEAD;

export class MediaRules {
  private budget = DEFAULT_BUDGET_BYTES;

  constructor(
    private readonly store: ChunkStore,
    /** The auto-download size until the user's is read (or when they never chose one). */
    private auto = DEFAULT_AUTO_BYTES,
  ) {}

  /** Reads the stored rules; a rule never stored, or unreadable, keeps its default. */
  async load(): Promise<void> {
    const read = async (key: string): Promise<number | null> => {
      const value = await this.store.setting<number>(key).catch(() => undefined);
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
    };
    this.auto = (await read(AUTO_SETTING)) ?? this.auto;
    this.budget = (await read(BUDGET_SETTING)) ?? this.budget;
  }

  /** Files other than images up to this many bytes are fetched without asking. */
  get autoDownloadBytes(): number {
    return this.auto;
  }

  /** Media of one conversation may take at most this many bytes on this device. */
  get budgetBytes(): number {
    return this.budget;
  }

  async setAutoDownloadBytes(bytes: number): Promise<void> {
    this.auto = checked(bytes);
    await this.store.putSetting(AUTO_SETTING, bytes);
  }

  async setBudgetBytes(bytes: number): Promise<void> {
    this.budget = checked(bytes);
    await this.store.putSetting(BUDGET_SETTING, bytes);
  }

  /** Whether the file downloads by itself: images always, other files up to the rule's size. */
  downloadsItself(ref: Pick<FileRef, 'size'>, image: boolean): boolean {
    return image || ref.size <= this.auto;
  }

  /** Bytes this conversation's media take here now (files already counted in full count as stored so far). */
  async used(conversation: Topic, except?: string): Promise<number> {
    const files = await this.store.files(conversation);
    return files.reduce((sum, f) => (f.root === except ? sum : sum + f.bytes), 0);
  }

  /** Whether a file fits in the conversation's budget beside what is stored already. */
  async fits(conversation: Topic, ref: Pick<FileRef, 'size' | 'chunk'> & { readonly root?: string }): Promise<boolean> {
    return (await this.used(conversation, ref.root)) + storedSize(ref) <= this.budget;
  }

  /** Bytes stored per conversation, sent and downloaded apart. */
  async usage(): Promise<Map<Topic, MediaUsage>> {
    const out = new Map<Topic, MediaUsage>();
    for (const f of await this.store.files()) {
      const u = out.get(f.conversation) ?? { sent: 0, downloaded: 0 };
      out.set(f.conversation, f.sent ? { ...u, sent: u.sent + f.bytes } : { ...u, downloaded: u.downloaded + f.bytes });
    }
    return out;
  }
}

function checked(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError('a size in bytes');
  return bytes;
}
