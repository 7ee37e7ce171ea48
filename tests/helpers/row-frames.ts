/**
 * Where the message list's rows are in every frame the page paints, for tests that check
 * what a reader sees move (docs/architecture.md §11, "A new row is painted where it stays").
 *
 * Each frame is read in a ResizeObserver callback, not in requestAnimationFrame: the list
 * measures a new row in its own ResizeObserver callbacks, after the frame's animation
 * callbacks and before paint, and corrects its layout there; a read in an animation callback
 * sees the frame before that correction, which is never painted. Observers report in the
 * order they were made, so this one, made after the list's, reports after them; an element
 * whose width changes in every animation callback makes it report in every frame.
 */
import type { ParleyUser } from './parley-user.js';

export interface RowBox {
  /** The row's message id (`article[data-id]`). */
  readonly id: string;
  /** Top of the row relative to the list's top edge, CSS pixels. */
  readonly top: number;
  readonly height: number;
  /** Width × height of an image's or a video's box in the row (placeholder or media), if it has one. */
  readonly image: string | null;
  /** The text of a file's transfer line in the row (waiting, progress, failed, cancelled), if one shows. */
  readonly transfer: string | null;
}

export interface RowFrame {
  readonly scrollTop: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
  /** Rendered rows in item order. */
  readonly rows: readonly RowBox[];
}

/** Starts recording `user`'s list; the function returned waits `frames` more frames, stops, and returns what it saw. */
export async function recordRowFrames(user: ParleyUser): Promise<(frames?: number) => Promise<RowFrame[]>> {
  await user.page.locator('parley-message-list').evaluate((el) => {
    const list = el.shadowRoot!.querySelector('lit-virtualizer')!;
    const frames: RowFrame[] = [];
    const probe = document.createElement('div');
    probe.style.cssText = 'position: fixed; left: 0; top: 0; width: 1px; height: 1px; pointer-events: none';
    document.body.append(probe);
    const observer = new ResizeObserver(() => {
      const top = list.getBoundingClientRect().top;
      const rows = [...list.querySelectorAll<HTMLElement>(':scope > .row')]
        .sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index))
        .map((row) => {
          const box = row.getBoundingClientRect();
          const image = row.querySelector('.image, .video')?.getBoundingClientRect();
          const transfer = row.querySelector('parley-transfer-progress')?.textContent?.replace(/\s+/g, ' ').trim();
          return {
            id: row.querySelector('article')?.dataset.id ?? '',
            top: box.top - top,
            height: box.height,
            image: image ? `${Math.round(image.width)} × ${Math.round(image.height)}` : null,
            transfer: transfer || null,
          };
        });
      frames.push({ scrollTop: list.scrollTop, scrollHeight: list.scrollHeight, clientHeight: list.clientHeight, rows });
    });
    observer.observe(probe);
    let frame = 0;
    let stopAt = Infinity;
    const recorder = { frames, stop: (after: number) => new Promise<RowFrame[]>((resolve) => ((stopAt = frame + after), (recorder.done = resolve))), done: (_: RowFrame[]) => {} };
    const tick = (): void => {
      if (++frame >= stopAt) {
        observer.disconnect();
        probe.remove();
        recorder.done(frames);
        return;
      }
      probe.style.width = `${(frame % 2) + 1}px`;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    (window as unknown as { rowFrames: typeof recorder }).rowFrames = recorder;
  });
  return (frames = 30) =>
    user.page.evaluate((after) => (window as unknown as { rowFrames: { stop(after: number): Promise<RowFrame[]> } }).rowFrames.stop(after), frames);
}

/**
 * What moved other than by following the newest message, frame by frame. Following it, the
 * rows on screen move together, up, by the same distance (the scroll); a row moving down, or
 * by a different distance than the others, moved on its own. A frame showing the newest row
 * (`newest`) must show the list's end, and the newest row where it stays: where it first
 * shows is where it is in the last frame. Compared on screen, not within the list: the
 * virtualizer may shift every row and the scroll position by the same amount (it re-anchors
 * its estimate), which the reader does not see.
 */
export function strayMoves(frames: readonly RowFrame[], newest: string): string[] {
  const stray: string[] = [];
  const final = frames.at(-1)?.rows.find((r) => r.id === newest);
  for (let i = 1; i < frames.length; i++) {
    const [before, after] = [frames[i - 1]!, frames[i]!];
    const moves = before.rows.flatMap((row) => {
      const now = after.rows.find((r) => r.id === row.id);
      const onScreen = row.top + row.height > 0 && row.top < before.clientHeight;
      return now && onScreen && row.id !== newest ? [{ id: row.id, by: now.top - row.top }] : [];
    });
    const down = moves.filter((m) => m.by > 1);
    if (down.length > 0) stray.push(`frame ${i}: ${down.length} rows moved down, by ${down.map((m) => m.by.toFixed(1)).join(', ')} px`);
    const spread = Math.max(...moves.map((m) => m.by)) - Math.min(...moves.map((m) => m.by));
    if (spread > 1) stray.push(`frame ${i}: rows moved by different distances (${moves.map((m) => m.by.toFixed(1)).join(', ')} px)`);
    const shown = after.rows.find((r) => r.id === newest);
    if (!shown || shown.top >= after.clientHeight) continue;
    const short = after.scrollHeight - after.clientHeight - after.scrollTop;
    if (short > 1) stray.push(`frame ${i}: shows the newest row ${short} px short of the list's end`);
    if (final && Math.abs(shown.top - final.top) > 1) stray.push(`frame ${i}: shows the newest row ${(shown.top - final.top).toFixed(1)} px from where it stays`);
  }
  return stray;
}
