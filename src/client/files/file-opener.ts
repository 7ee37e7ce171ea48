/**
 * Opening this device's files into object URLs for the UI (docs/architecture.md §14.4,
 * §14.5): a file being fetched is opened while it arrives (`early-open.ts`), a finished one
 * is decrypted from the store the first time it is shown, and one whose key is not here yet
 * waits until its conversation's keys change. The content hash is checked either way; a
 * file that does not check out is erased. `ClientFiles` says when; this keeps the state.
 */
import type { FileRef } from '../../core/files/file-ref.js';
import type { Topic } from '../../core/ids.js';
import { errorField, type Logger } from '../../core/logger.js';
import type { ChunkStore } from '../../store/chunk-store.js';
import { decryptToBlob } from './decrypt-blob.js';
import { EarlyOpenUnavailable, openEarly, type EarlyOpen } from './early-open.js';
import { orderedChunkReader } from './store-adapters.js';
import type { Transfers } from './transfers.js';


export interface FileOpenerParts {
  readonly store: ChunkStore;
  /** The views, where an opened file's URL goes. */
  readonly transfers: Transfers;
  readonly logger: Logger;
  /** A file's key from its conversation's epochs (file-keys.ts), or null when it is not here. */
  readonly keyOf: (conversation: Topic, ref: FileRef) => Promise<string | null>;
  /** A file's view changed. */
  readonly changed: (root: string) => void;
}

export class FileOpener {
  private readonly opening = new Set<string>();
  /** Files being opened while their fetch runs, with the service worker's URL for each, if it will serve it. */
  private readonly early = new Map<string, { readonly opening: EarlyOpen; readonly served: string | null }>();
  /** Whole files whose key this device could not derive yet (their epoch's secret is not here). */
  private readonly keyless = new Map<string, { readonly conversation: Topic; readonly ref: FileRef }>();

  constructor(private readonly parts: FileOpenerParts) {}

  /** Opens a finished file in the background, unless it is being opened already. */
  openOnce(ref: FileRef): void {
    if (!this.opening.has(ref.root)) void this.open(ref);
  }

  /**
   * Starts storing and opening a fetch's chunks as they arrive (`have`: those stored before);
   * returns where the fetch saves them. Without the key they are only stored (undefined).
   * `served`: the service worker's URL for the file once it is complete (§14.4); the file is
   * then only checked as it arrives, not also gathered into a Blob, a second copy of it.
   */
  startEarly(ref: FileRef, key: string | null, have: ReadonlySet<number>, served: string | null = null): Pick<EarlyOpen, 'save' | 'direct'> | undefined {
    this.stop(ref.root);
    if (!key) return undefined;
    const opening = openEarly(this.parts.store, { ...ref, key }, have, served === null);
    this.early.set(ref.root, { opening, served });
    return opening;
  }

  /** Every chunk is stored: check the whole against the signed content hash, then show it. */
  async finished(ref: FileRef): Promise<void> {
    const early = this.early.get(ref.root);
    this.early.delete(ref.root);
    await this.open(ref, early);
  }

  /** The conversation's keys changed: open again what waited for its key. */
  retryKeyless(conversation: Topic): void {
    for (const [root, f] of this.keyless) {
      if (f.conversation !== conversation) continue;
      this.keyless.delete(root);
      void this.open(f.ref);
    }
  }

  /** Stops opening a file whose fetch stopped; its chunks stay stored. */
  stop(root: string): void {
    this.early.get(root)?.opening.stop();
    this.early.delete(root);
  }

  /** The file is gone from this device: nothing of it is opened any more. */
  forget(root: string): void {
    this.stop(root);
    this.keyless.delete(root);
  }

  destroy(): void {
    for (const root of [...this.early.keys()]) this.stop(root);
    this.keyless.clear();
  }

  /**
   * Checks a file whole and shows it; a file that checked out is marked complete, before its
   * URL is shown because the service worker serves only complete files (§14.4). A file that
   * does not check out is erased.
   */
  private async open(ref: FileRef, early?: { readonly opening: EarlyOpen; readonly served: string | null }): Promise<void> {
    const { store, transfers, logger, changed } = this.parts;
    this.opening.add(ref.root);
    try {
      const urlOf = await this.check(ref, early);
      if (!urlOf) return;
      await store.amendFile(ref.root, { complete: true });
      this.show(ref, urlOf);
    } catch (error) {
      // Chunks were checked one by one, so this is a sender who signed a wrong content hash.
      logger.warn('a file did not check out', { error: errorField(error) });
      await store.remove(ref.root).catch(() => undefined);
      transfers.update(ref.root, { state: 'failed', done: 0 });
      changed(ref.root);
    } finally {
      this.opening.delete(ref.root);
    }
  }

  /**
   * Where the checked file will be shown from: the Blob its fetch opened as it arrived
   * (`early`), its service worker URL once checked as it arrived, or the stored chunks
   * decrypted into a Blob. Null when there is no key for it; throws when it does not check out.
   */
  private async check(ref: FileRef, early?: { readonly opening: EarlyOpen; readonly served: string | null }): Promise<(() => string) | null> {
    const { store, transfers, logger, changed } = this.parts;
    // undefined: not opened as it arrived (no worker, stopped); null: checked, not kept.
    const opened = early ? await early.opening.blob.catch((error: unknown) => (error instanceof EarlyOpenUnavailable ? undefined : Promise.reject(error))) : undefined;
    if (opened) return () => URL.createObjectURL(opened);
    const served = early?.served;
    if (opened === null && served) return () => served;
    const record = await store.file(ref.root);
    const key = ref.key ?? record?.key ?? (record ? await this.parts.keyOf(record.conversation, ref) : null);
    if (!key) {
      // Sent in an epoch this device never held (or whose secret is gone): not for us.
      logger.warn('no key for a file', { epoch: ref.epoch ?? '' });
      if (record) this.keyless.set(ref.root, { conversation: record.conversation, ref });
      transfers.update(ref.root, { state: 'failed' });
      changed(ref.root);
      return null;
    }
    const blob = await decryptToBlob({ ...ref, key }, orderedChunkReader(store, ref));
    return () => URL.createObjectURL(blob);
  }

  private show(ref: FileRef, urlOf: () => string): void {
    // Cancelled while it was being opened: it stays cancelled (Download opens it again).
    if (this.parts.transfers.get(ref.root)?.state === 'cancelled') return;
    this.parts.transfers.update(ref.root, { state: 'done', done: ref.size, url: urlOf() });
    this.parts.changed(ref.root);
  }
}
