/**
 * Where things are on screen, for tests of scrolling: whether a message is inside the
 * visible part of the message list, and message rows by the start of their text.
 */
import type { Locator } from 'playwright-core';
import type { ParleyUser } from './parley-user.js';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The message row whose text starts with `prefix` (seeded messages are long). */
export function rowStarting(user: ParleyUser, prefix: string): Locator {
  return user.log.locator('article').filter({ has: user.page.locator('p.text', { hasText: new RegExp(`^${escape(prefix)}`) }) }).first();
}

/**
 * True when `row` is rendered and its bottom edge is inside the visible list: the reader
 * sees the end of it (the newest message "in view").
 */
export async function bottomInView(user: ParleyUser, row: Locator): Promise<boolean> {
  const [box, list] = await Promise.all([rectOf(row), rectOf(user.log.locator('lit-virtualizer'))]);
  if (!box || !list) return false;
  const bottom = box.y + box.height;
  return bottom <= list.y + list.height + 1 && bottom > list.y;
}

/**
 * Where the element is now, or null when it is not rendered. Never waits: the list
 * virtualizes, so a row scrolled away leaves the page, and `Locator.boundingBox()` would
 * then wait its whole timeout (30 s) for it to come back.
 */
async function rectOf(locator: Locator): Promise<{ x: number; y: number; width: number; height: number } | null> {
  const [rect] = await locator.first().evaluateAll((elements) =>
    elements.map((element) => {
      const { x, y, width, height } = element.getBoundingClientRect();
      return { x, y, width, height };
    }),
  );
  return rect ?? null;
}

/** True when the top edge of `row` is inside the visible list. */
export async function topInView(user: ParleyUser, row: Locator): Promise<boolean> {
  const [box, list] = await Promise.all([rectOf(row), rectOf(user.log.locator('lit-virtualizer'))]);
  if (!box || !list) return false;
  return box.y >= list.y - 1 && box.y < list.y + list.height;
}

/** Scrolls the message list up by `pixels` with the mouse wheel, as a reader would. */
export async function wheelUp(user: ParleyUser, pixels = 1500): Promise<void> {
  const list = await user.log.locator('lit-virtualizer').boundingBox();
  if (!list) throw new Error('no message list on screen');
  await user.page.mouse.move(list.x + list.width / 2, list.y + list.height / 2);
  await user.page.mouse.wheel(0, -pixels);
}
