/**
 * Keyboard and touch gestures on messages. Each message is one tab stop; inside it the
 * arrow keys move between its controls (Left/Right), between messages (Up/Down, Home/End),
 * Escape returns to the message, and Enter on a message opens its actions menu. On touch,
 * a long-press opens the same menu.
 */
import type { EventId } from '../../core/ids.js';

export interface KeyTarget {
  /** Focuses the message at `index` of the list, scrolling it into view if needed. */
  focusIndex(index: number): void;
  /** Index of a message in the list, or -1. */
  indexOf(id: EventId): number;
  /** Number of rows. */
  readonly count: number;
  openMenu(id: EventId, anchor: Element): void;
}

/** Controls of a message that are shown now, in order. */
function controlsOf(article: HTMLElement): HTMLElement[] {
  return [...article.querySelectorAll<HTMLElement>('button, a[href]')].filter((el) => el.getClientRects().length > 0 && !(el as HTMLButtonElement).disabled);
}

export function onMessageKey(event: KeyboardEvent, id: EventId, target: KeyTarget): void {
  const article = event.currentTarget as HTMLElement;
  const from = (article.getRootNode() as ShadowRoot).activeElement as HTMLElement | null;
  if (!from || from.matches('textarea, input')) return;
  const onArticle = from === article;
  const controls = controlsOf(article);
  const at = controls.indexOf(from);
  const index = target.indexOf(id);
  const move = (el: HTMLElement | undefined): void => {
    event.preventDefault();
    el?.focus();
  };
  switch (event.key) {
    case 'ArrowRight':
      return move(onArticle ? controls[0] : (controls[at + 1] ?? article));
    case 'ArrowLeft':
      return move(onArticle ? controls.at(-1) : at <= 0 ? article : controls[at - 1]);
    case 'Escape':
      if (!onArticle) move(article);
      return;
    case 'ArrowDown':
    case 'ArrowUp':
      if (!onArticle) return;
      event.preventDefault();
      target.focusIndex(Math.max(0, Math.min(target.count - 1, index + (event.key === 'ArrowDown' ? 1 : -1))));
      return;
    case 'Home':
    case 'End':
      if (!onArticle) return;
      event.preventDefault();
      target.focusIndex(event.key === 'Home' ? 0 : target.count - 1);
      return;
    case 'Enter':
      if (!onArticle) return;
      event.preventDefault();
      target.openMenu(id, article);
  }
}

const LONG_PRESS_MS = 500;
const SLOP_PX = 10;

/** Opens the menu after a touch held still for half a second (mouse presses are ignored). */
export function onMessagePointerDown(event: PointerEvent, open: () => void): void {
  if (event.pointerType === 'mouse') return;
  const x = event.clientX;
  const y = event.clientY;
  const stop = (): void => {
    clearTimeout(timer);
    window.removeEventListener('pointerup', stop);
    window.removeEventListener('pointercancel', stop);
    window.removeEventListener('pointermove', moved);
  };
  const moved = (e: PointerEvent): void => {
    if (Math.hypot(e.clientX - x, e.clientY - y) > SLOP_PX) stop();
  };
  const timer = setTimeout(() => {
    stop();
    open();
    swallowNextClick();
  }, LONG_PRESS_MS);
  window.addEventListener('pointerup', stop);
  window.addEventListener('pointercancel', stop);
  window.addEventListener('pointermove', moved);
}

/**
 * Lifting the finger after a long-press makes a click where the finger was: on the menu's
 * backdrop, which would close the menu at once. That one click is swallowed.
 */
function swallowNextClick(): void {
  const swallow = (event: Event): void => {
    event.stopPropagation();
    event.preventDefault();
    done();
  };
  const done = (): void => {
    window.removeEventListener('click', swallow, true);
    window.removeEventListener('pointerdown', later, true);
  };
  // A new touch means the click did not come (no tap): stop waiting for it.
  const later = (): void => done();
  window.addEventListener('click', swallow, true);
  setTimeout(() => window.addEventListener('pointerdown', later, true), 0);
}
