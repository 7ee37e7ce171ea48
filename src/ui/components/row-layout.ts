/**
 * The message list's layout: the virtualizer's flow layout, told each row's size by a
 * `ResizeObserver` instead of measuring every rendered row whenever the items change
 * (docs/architecture.md §11).
 *
 * Left to itself, `@lit-labs/virtualizer` measures every rendered row
 * (`getBoundingClientRect` and `getComputedStyle` each) after any change to its items, so a
 * text arriving cost about 30 measurements, and the flow layout's scroll size, estimated as
 * count × average row, moved with every row added, which made the virtualizer correct its
 * scroll position (a forced layout) right after the new row was put in the DOM. Here:
 *
 * - `RowSizes` observes each row as it is added to the virtualizer (a `MutationObserver`),
 *   and keeps the border-box size the `ResizeObserver` reports: a new row's size when it is
 *   first laid out, a resized row's (an image, "Read more", an editor) when it changes. The
 *   virtualizer still asks for every rendered row after a change of items (its sizes are
 *   kept by index, which a prepended history shifts); for a row already seen the answer is
 *   the kept size, with no layout read.
 * - Its observer must report before the virtualizer's own, which is what makes the
 *   virtualizer measure a resized row: observers report in the order they were created
 *   (the Resize Observer spec's `[[resizeObservers]]` list), and `RowSizes` is created with
 *   the list element, before any virtualizer in it (`tests/e2e/message-list.test.ts` checks
 *   that a row growing moves the rows under it).
 * - The scroll size counts the measured rows' real heights, and the average only for rows
 *   never measured, so a row added at the end does not move every other row's estimate.
 * - After a pass that took new sizes it calls `placed`, still inside the frame's
 *   ResizeObserver turn (before paint), and the list re-applies its pin there. A new row is
 *   laid out at an estimated height until its observer reports, later in the same frame,
 *   and that pass may re-anchor the layout (every row and the scroll position shifted
 *   together). Pinned again only in the next frame, the frame between was painted short of
 *   the end: the new row 8-46 px below where it stays, the rows above it moving up twice
 *   (docs/architecture.md §11, "A new row is painted where it stays").
 */
import { FlowLayout } from '@lit-labs/virtualizer/layouts/flow.js';

/** A child's box as the virtualizer's layouts take it (its `Layout.d.ts`, not exported). */
interface ItemBox {
  readonly width: number;
  readonly height: number;
  readonly marginTop: number;
  readonly marginRight: number;
  readonly marginBottom: number;
  readonly marginLeft: number;
}
type Margins = Omit<ItemBox, 'width' | 'height'>;

const NO_MARGINS = { marginTop: 0, marginRight: 0, marginBottom: 0, marginLeft: 0 } as const;

export class RowSizes {
  private readonly sizes = new WeakMap<Element, ItemBox>();
  private readonly margins = new WeakMap<Element, Margins>();
  /** Created first: it must report a resize before the virtualizer's observer reads the size. */
  private readonly resizes = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const box = entry.borderBoxSize[0];
      if (!box) continue;
      this.taken++;
      this.sizes.set(entry.target, { width: box.inlineSize, height: box.blockSize, ...this.marginsOf(entry.target) });
    }
    this.resized();
  });
  /**
   * Rows added are observed; rows gone are let go (an observed element is kept alive). A
   * row the virtualizer moves is removed and added in the same records and stays connected.
   */
  private readonly added = new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.removedNodes) if (node instanceof Element && !node.isConnected) this.resizes.unobserve(node);
      for (const node of record.addedNodes) if (node instanceof Element && node.isConnected) this.resizes.observe(node);
    }
  });
  private host: Element | null = null;

  /** @param resized called after rows were added or changed size (the list re-settles its scroll position) */
  constructor(private readonly resized: () => void = () => {}) {}

  /** Sizes taken from the observer: one per row added or resized (tests and measurements). */
  taken = 0;
  /** Rows measured by reading layout: a row asked for before the observer reported it. */
  read = 0;

  /** Follows the rows of `host` (the virtualizer): each one added is observed. */
  watch(host: Element | null): void {
    if (host === this.host) return;
    this.stop();
    this.host = host;
    if (!host) return;
    this.added.observe(host, { childList: true });
    for (const child of host.children) this.resizes.observe(child);
  }

  stop(): void {
    this.added.disconnect();
    this.resizes.disconnect();
    this.host = null;
  }

  /** The virtualizer's measuring function: the kept size, or a layout read for a row not yet reported. */
  readonly measure = (element: Element): ItemBox => {
    const known = this.sizes.get(element);
    if (known) return known;
    this.read++;
    this.resizes.observe(element);
    const { width, height } = element.getBoundingClientRect();
    const box = { width, height, ...this.marginsOf(element) };
    this.sizes.set(element, box);
    return box;
  };

  /** Margins are style, not layout: read once per row (the list's rows have none). */
  private marginsOf(element: Element): Margins {
    let m = this.margins.get(element);
    if (!m) {
      const style = getComputedStyle(element);
      const px = (v: string): number => parseFloat(v) || 0;
      m =
        style.margin === '0px'
          ? NO_MARGINS
          : { marginTop: px(style.marginTop), marginRight: px(style.marginRight), marginBottom: px(style.marginBottom), marginLeft: px(style.marginLeft) };
      this.margins.set(element, m);
    }
    return m;
  }
}

/** What `<lit-virtualizer .layout=…>` takes: the class, and the config it copies onto the instance. */
interface RowLayoutSpecifier {
  readonly type: typeof RowLayout;
  readonly rows: RowSizes;
  readonly placed: () => void;
}

export class RowLayout extends FlowLayout {
  /** Set from the config, a microtask after construction, before anything is measured. */
  rows: RowSizes | undefined;
  /** Called after a pass that laid rows out with new sizes, the DOM already written (from the config). */
  placed: (() => void) | undefined;
  private remeasured = false;
  private readonly measureRow = (element: Element): ItemBox => (this.rows ? this.rows.measure(element) : measureNow(element));

  /**
   * The virtualizer takes a function here as its way of measuring a child (the `Layout`
   * interface allows `boolean | MeasureChildFunction`; `FlowLayout` declares only boolean).
   */
  override get measureChildren(): boolean {
    return this.measureRow as unknown as boolean;
  }

  override updateItemSizes(sizes: Parameters<FlowLayout['updateItemSizes']>[0]): void {
    super.updateItemSizes(sizes);
    this.remeasured = true;
  }

  /** The virtualizer writes rows' positions and its scroll size during this pass (its `stateChanged` message). */
  override _reflow(): void {
    super._reflow();
    if (!this.remeasured) return;
    this.remeasured = false;
    this.placed?.();
  }

  /** Measured rows count their real size; only rows never measured count the average. */
  override _updateScrollSize(): void {
    const cache = this._metricsCache;
    const average = this._getAverageSize();
    const measured = cache.averageChildSize > 0 ? Math.round(cache.totalChildSize / cache.averageChildSize) : 0;
    const count = this.items.length;
    if (measured === 0 || measured > count) {
      super._updateScrollSize();
      return;
    }
    const margin = cache.averageMarginSize;
    this._scrollSize = Math.max(1, cache.totalChildSize + (count - measured) * average + (count + 1) * margin);
  }
}

function measureNow(element: Element): ItemBox {
  const { width, height } = element.getBoundingClientRect();
  return { width, height, ...NO_MARGINS };
}

/** The layout specifier for `<lit-virtualizer .layout=…>`, one per list (it carries that list's `RowSizes` and pin). */
export const rowLayout = (rows: RowSizes, placed: () => void): RowLayoutSpecifier => ({ type: RowLayout, rows, placed });
