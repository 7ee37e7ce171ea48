/** The app icon's unread count, through the Badging API where the browser has it. */
export async function showBadge(count: number): Promise<void> {
  const nav = navigator as Navigator & { setAppBadge?: (n: number) => Promise<void>; clearAppBadge?: () => Promise<void> };
  try {
    if (count > 0) await nav.setAppBadge?.(count);
    else await nav.clearAppBadge?.();
  } catch {
    // Optional API; nothing to do where it is missing or refused.
  }
}
