/**
 * Keeps a virtualized message list at the newest message while the reader is there
 * (docs/architecture.md §11): across new messages, the scroller resizing (phone ↔ desktop,
 * an on-screen keyboard), messages changing height (images, fonts, "Read more") and the
 * virtualizer replacing its height estimates with measurements. Only the reader's own
 * scrolling (wheel, touch, pointer, keys) unpins or re-pins it; programmatic scrolls never do.
 *
 * It can also *hold* one message at the top of the view (the first unread) until the
 * reader scrolls, so a history that grows underneath does not move it.
 */
import type { LitVirtualizer } from '@lit-labs/virtualizer';
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** How close to the end still counts as "at the newest", in CSS pixels. */
const AT_END_PX = 32;
/** A scroll this long after the last input still counts as the reader's (generous: a busy page may fire it late). */
const USER_SCROLL_MS = 800;

export interface PinTarget {
  /** Index of the item in the virtualizer's items (rendered items carry it as `data-index`). */
  readonly index: number;
}

/** Why the view last stopped following the newest message, for a stuck test's diagnosis. */
export type UnpinReason = 'wheel' | 'scroll' | HoldReason;
/** Why a message is held at the top of the view: the first unread, a reply's original, a row focused, a message edited. */
export type HoldReason = 'unread' | 'jump' | 'focus' | 'edit';

export class BottomPin implements ReactiveController {
  private following = true;
  /**
   * The last time the view stopped following, and why: an e2e failure found a receiver's
   * list held near its top with the new text in its data (tests/helpers/page-diagnosis.ts
   * reports this), and nothing said which way had unpinned it.
   */
  lastUnpin: { readonly reason: UnpinReason; readonly at: number } | null = null;
  private held: (() => PinTarget | null) | null = null;
  /**
   * When the reader last gave input that may scroll; -Infinity: none yet. Not 0: the page's
   * clock starts at 0, so for the first 800 ms of a page (a reload, the app opening straight
   * into a conversation) every scroll, the list's own positioning included, counted as the
   * reader's and could unpin the view before anyone touched it.
   */
  private inputAt = -Infinity;
  /** When the reader last turned the wheel up (-Infinity: the last wheel went down, or none). */
  private wheelUpAt = -Infinity;
  private frame = 0;
  /**
   * The scroller's own size (phone ↔ desktop, an on-screen keyboard, the composer growing by
   * a line); rows are the host's to observe. The pin is re-applied at once, in this
   * ResizeObserver turn before paint: settling alone followed a frame later, and the frame
   * between showed the newest message cut off by what the list had lost (16-19 px per line
   * the composer grew).
   */
  private readonly resizes = new ResizeObserver(() => {
    this.placed();
    this.settle();
  });
  private observed: HTMLElement | null = null;

  /**
   * @param scroller the virtualizer (it is its own scroller), or null while none is rendered
   * @param count how many items it shows now
   * @param changed called when `pinned` changes, for the host's "Jump to newest" button
   */
  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly scroller: () => LitVirtualizer | null,
    private readonly count: () => number,
    private readonly changed: (pinned: boolean) => void,
  ) {
    host.addController(this);
  }

  /** True while the view follows the newest message. */
  get pinned(): boolean {
    return this.following;
  }

  hostConnected(): void {
    document.fonts?.addEventListener('loadingdone', this.settle);
  }

  hostDisconnected(): void {
    document.fonts?.removeEventListener('loadingdone', this.settle);
    this.resizes.disconnect();
    this.observed = null;
    cancelAnimationFrame(this.frame);
  }

  hostUpdated(): void {
    const v = this.scroller();
    if (v && v !== this.observed) {
      this.resizes.disconnect();
      this.resizes.observe(v);
      this.observed = v;
    }
    this.settle();
  }

  /** Follow the newest message from now on, and go there (own send, "Jump to newest"). */
  toNewest(): void {
    this.forgetInput();
    this.held = null;
    this.setFollowing(true);
    this.settle();
  }

  /**
   * Shows `target()` at the top of the view and keeps it there as the list grows, until
   * the reader scrolls. The target is re-read each time (its index moves as history loads).
   */
  hold(target: () => PinTarget | null, reason: HoldReason): void {
    this.forgetInput();
    this.held = target;
    this.setFollowing(false, reason);
    this.settle();
  }

  /**
   * The scrolls that follow a jump are ours, even shortly after a wheel turn (a reader who
   * scrolls up, then presses "Jump to newest" or sends, within the input window).
   */
  private forgetInput(): void {
    this.inputAt = -Infinity;
    this.wheelUpAt = -Infinity;
  }

  /** Input that may scroll: the next scroll events are the reader's. */
  readonly onInput = (): void => {
    this.inputAt = performance.now();
  };

  /**
   * A wheel turned up is the reader leaving the newest message, decided now rather than at
   * the scroll events: those come later (a smooth scroll's first steps stay within
   * AT_END_PX), and a message arriving in between would otherwise be counted as seen and
   * pull the view back down, cancelling the reader's scroll.
   */
  readonly onWheel = (e: WheelEvent): void => {
    this.onInput();
    const v = this.scroller();
    this.wheelUpAt = -Infinity;
    if (e.deltaY < 0 && v && v.scrollTop > 0) {
      this.wheelUpAt = this.inputAt;
      this.held = null;
      cancelAnimationFrame(this.frame);
      this.setFollowing(false, 'wheel');
    }
  };

  /** Scroll events from the virtualizer; returns true when the reader scrolled. */
  onScroll(): boolean {
    if (performance.now() - this.inputAt > USER_SCROLL_MS) return false;
    this.inputAt = performance.now();
    this.held = null;
    // The steps of a wheel turned up may still end near the bottom: they never re-pin.
    this.setFollowing(this.inputAt - this.wheelUpAt > USER_SCROLL_MS && this.atEnd(), 'scroll');
    return true;
  }

  private atEnd(): boolean {
    const v = this.scroller();
    return !v || v.scrollTop + v.clientHeight >= v.scrollHeight - AT_END_PX;
  }

  private setFollowing(value: boolean, reason?: UnpinReason): void {
    // `reason` says why it stops following; every call that turns it off gives one.
    if (value === this.following) return;
    this.following = value;
    if (!value && reason) this.lastUnpin = { reason, at: Math.round(performance.now()) };
    this.changed(value);
  }

  /**
   * Re-applies the pin in the next frame (coalesced), and once more after layout settles.
   * The host calls it when a rendered message changes height (it observes the rows).
   */
  readonly settle = (): void => {
    if (!this.following && !this.held) return;
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => void this.apply());
  };

  /**
   * The virtualizer has just laid rows out with their measured sizes, or the scroller was
   * resized, inside the frame's ResizeObserver turn, before paint: re-apply the pin now.
   * `settle` alone re-applied it a frame later, so that frame painted the view where the
   * estimated height (or the old size) had put it.
   *
   * This forces a layout, on purpose: the virtualizer has just written the rows' positions
   * and its size, and the scroll to the end must see them. Not reading `scrollHeight` would
   * not avoid it: setting `scrollTop` on a scroller whose layout is dirty lays it out first
   * (measured: the setter took the whole layout, the read after it nothing). Moved to an
   * animation frame it is the next frame's, and the frame between is painted short of the
   * end (with it turned off, 4 of 8 arrivals showed stray moves). It is the layout the frame
   * makes anyway before paint, done earlier: layouts per arriving text were the same with it
   * and without (docs/architecture.md §11, "`placed` forces a layout").
   */
  placed(): void {
    if (!this.following && !this.held) return;
    const v = this.scroller();
    if (v && this.count() > 0) this.position(v);
  }

  private async apply(): Promise<void> {
    const v = this.scroller();
    if (!v || this.count() === 0) return;
    this.position(v);
    try {
      await v.layoutComplete;
    } catch {
      // Superseded by a newer layout; that one settles again.
    }
    this.position(v);
    // A held message whose remainder fits on screen leaves the view at the end: follow.
    if (this.held && this.atEnd() && v.scrollHeight > v.clientHeight) this.setFollowing(true);
  }

  private position(v: LitVirtualizer): void {
    if (this.following) {
      const last = this.count() - 1;
      // Rendered: go to the very end. Not rendered yet: the virtualizer's own pin renders it
      // and keeps it in view while real heights replace estimates (a scroll of ours now
      // would cancel that pin), and the next pass goes to the very end.
      if (v.querySelector(`:scope > [data-index="${last}"]`)) v.scrollTop = v.scrollHeight;
      else v.element(last)?.scrollIntoView({ block: 'end' });
      return;
    }
    const target = this.held?.();
    if (!target) return;
    const el = v.querySelector(`:scope > [data-index="${target.index}"]`);
    if (el) v.scrollTop += el.getBoundingClientRect().top - v.getBoundingClientRect().top;
    else v.element(target.index)?.scrollIntoView({ block: 'start' });
  }
}
