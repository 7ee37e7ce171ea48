/** "online", "last seen 5 minutes ago", "last seen yesterday": presence in words. */
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['week', 7 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
];

export function presenceText(presence: { online: boolean; lastSeen: number | null }, now = Date.now()): string {
  if (presence.online) return 'online';
  if (presence.lastSeen === null) return 'not seen yet';
  const ago = now - presence.lastSeen;
  if (ago < 60_000) return 'last seen just now';
  for (const [unit, ms] of UNITS) {
    if (ago >= ms) return `last seen ${relative.format(-Math.floor(ago / ms), unit)}`;
  }
  return 'last seen just now';
}
