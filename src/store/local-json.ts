/**
 * One JSON object kept whole under one key of Web Storage: the shape both of the page's
 * synchronous copies use (drafts, read markers; docs/architecture.md §11).
 *
 * Web Storage can refuse any call: `getItem` throws where storage is disabled, `setItem`
 * where it is full. A copy is only a backup of what IndexedDB gets anyway, so a refusal
 * reads as "no copy" and a failed write is dropped; neither may stop the page.
 */
export class LocalJsonObject {
  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>,
    readonly key: string,
  ) {}

  /** The stored object; `{}` when there is none, storage refuses, or it is not a plain JSON object. */
  read(): Record<string, unknown> {
    try {
      const value: unknown = JSON.parse(this.storage.getItem(this.key) ?? '{}');
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }

  /** Stores `value` whole, or removes the key when it has no entries. */
  write(value: Record<string, unknown>): void {
    try {
      if (Object.keys(value).length === 0) this.storage.removeItem(this.key);
      else this.storage.setItem(this.key, JSON.stringify(value));
    } catch {
      // Full or disabled: the caller's IndexedDB write still happens, only not synchronously.
    }
  }
}
