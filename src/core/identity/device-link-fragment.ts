/**
 * How a device link shows in the app's address (`#link=…`, device-link.ts): apart, so the
 * app shell can tell one is being opened without loading linking itself, which loads on
 * first use (docs/architecture.md §11).
 */

/** The fragment parameter that carries a device link's secret. */
export const DEVICE_LINK_PARAM = 'link';

export const isDeviceLinkFragment = (hash: string): boolean => new URLSearchParams(hash.replace(/^#/, '')).has(DEVICE_LINK_PARAM);
