/**
 * A media element's duration in ms, also for a file that states none (docs/architecture.md
 * §14.4): a WebM from `MediaRecorder` (Chromium's own recordings included) carries no duration
 * in its header, and the element reports `duration === Infinity` until it has read the file
 * to its end. The known way round: seek far past the end, which makes the browser find the
 * last frame and fire `durationchange` with the real length, then seek back to the start.
 */

/** How long to wait for the real length after seeking to the end. */
export const DURATION_SEEK_MS = 3_000;

/** Seconds to seek to: past the end of any file (the platform clamps it to the duration once known). */
const FAR = 1e101;

/**
 * The duration of `media`, whose metadata has loaded, in whole ms; null when it is unknown,
 * not a positive finite number, or not found within `timeout` ms. Leaves the element at 0.
 */
export async function finiteDuration(media: HTMLMediaElement, timeout = DURATION_SEEK_MS): Promise<number | null> {
  if (!Number.isFinite(media.duration)) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        media.removeEventListener('durationchange', changed);
        media.removeEventListener('error', done);
        resolve();
      };
      const changed = (): void => {
        if (Number.isFinite(media.duration)) done();
      };
      const timer = setTimeout(done, timeout);
      media.addEventListener('durationchange', changed);
      media.addEventListener('error', done);
      media.currentTime = FAR;
    });
    if (media.currentTime !== 0) media.currentTime = 0;
  }
  return msOf(media.duration);
}

/** Seconds as whole ms, or null for a duration that is not a positive finite number. */
function msOf(seconds: number): number | null {
  const ms = Math.round(seconds * 1000);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : null;
}
