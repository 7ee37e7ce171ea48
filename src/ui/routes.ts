/**
 * Client-side routes live in the URL fragment, like invite secrets, so nothing about which
 * conversation is open ever reaches the server in a request.
 */
import { isTopic, type Topic } from '../core/ids.js';
import { isPublicKey, type IdentityId } from '../core/identity/keys.js';

export const conversationHref = (id: Topic): string => `#/c/${id}`;
export const CONTACTS_HREF = '#/contacts';
export const DEVICES_HREF = '#/devices';
export const SETTINGS_HREF = '#/settings';
export const contactHref = (identity: IdentityId): string => `#/contact/${identity}`;

export type Route =
  | { readonly view: 'home' }
  | { readonly view: 'conversation'; readonly id: Topic }
  | { readonly view: 'contacts' }
  | { readonly view: 'devices' }
  | { readonly view: 'settings' }
  | { readonly view: 'contact'; readonly identity: IdentityId };

export function parseRoute(hash: string): Route {
  const conversation = selectedConversation(hash);
  if (conversation) return { view: 'conversation', id: conversation };
  if (hash === CONTACTS_HREF) return { view: 'contacts' };
  if (hash === DEVICES_HREF) return { view: 'devices' };
  if (hash === SETTINGS_HREF) return { view: 'settings' };
  const contact = /^#\/contact\/([A-Za-z0-9_-]{43})$/.exec(hash);
  if (contact && isPublicKey(contact[1])) return { view: 'contact', identity: contact[1] as IdentityId };
  return { view: 'home' };
}

export function selectedConversation(hash: string): Topic | null {
  const match = /^#\/c\/([0-9a-f]+)$/.exec(hash);
  return match && isTopic(match[1]) ? (match[1] as Topic) : null;
}
