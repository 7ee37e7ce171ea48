/**
 * How a contact link shows in the app's address (`#contact=…`, contact-link.ts), and the size
 * of its secret: apart, so the app shell can tell one is being opened, and a new account can
 * draw its secret, without loading contact links themselves, which load with the contact book
 * after the list (docs/architecture.md §11).
 */

/** The fragment parameter that carries a contact link. */
export const CONTACT_LINK_PARAM = 'contact';

/** Bytes of the secret a contact link carries (it opens the owner's contact inbox). */
export const LINK_SECRET_BYTES = 16;

export const isContactFragment = (hash: string): boolean => new URLSearchParams(hash.replace(/^#/, '')).has(CONTACT_LINK_PARAM);
