/** The part of the Web Storage API the page's synchronous copies use, in memory (unit tests of pure logic). */
export class MapStorage implements Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> {
  readonly items = new Map<string, string>();
  /** Every write throws, as a full or disabled storage does. */
  full = false;
  /** Every call throws, as storage disabled by the browser's settings does. */
  disabled = false;
  getItem(key: string): string | null {
    if (this.disabled) throw new DOMException('disabled', 'SecurityError');
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (this.full || this.disabled) throw new DOMException('full', 'QuotaExceededError');
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    if (this.disabled) throw new DOMException('disabled', 'SecurityError');
    this.items.delete(key);
  }
}
