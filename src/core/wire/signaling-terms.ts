/**
 * The two terms of the signaling protocol (signaling.ts) that the client's services need
 * before the page's network part has loaded: what a device signs to register, and how many
 * presence ids one message may carry. Apart from signaling.ts so those services do not pull
 * the protocol's parsers into the start-up script (docs/architecture.md §11); signaling.ts
 * exports both too.
 */

/** Most presence ids one `presence` or `presence-watch` message may carry. */
export const MAX_PRESENCE_IDS = 1000;

/** The exact text a device signs to register: bound to the nonce and its own key. */
export const registrationText = (nonce: string, key: string): string => `parley/register/v1\n${nonce}\n${key}`;
