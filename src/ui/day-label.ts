/**
 * Dates in the message list: separators ("Today", "Yesterday", a weekday within the last
 * week, then a full date) and full timestamps for hover and long-press.
 */
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const fullDate = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const sameYearDate = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
export const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
export const fullTimestamp = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });

/** A number that is equal for two instants on the same local calendar day. */
export function dayKey(at: number): number {
  const d = new Date(at);
  return d.getFullYear() * 512 + d.getMonth() * 32 + d.getDate();
}

/** Whole local calendar days from `at` to `now` (0 = the same day). */
function daysBetween(at: number, now: number): number {
  const a = new Date(at);
  const b = new Date(now);
  const start = (d: Date) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
  return Math.round((start(b) - start(a)) / 86_400_000);
}

/** The separator label for the day of `at`, seen at `now`. */
export function dayLabel(at: number, now = Date.now()): string {
  const days = daysBetween(at, now);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return weekday.format(at);
  return new Date(at).getFullYear() === new Date(now).getFullYear() ? sameYearDate.format(at) : fullDate.format(at);
}
