/**
 * Client-side routes live in the URL fragment, like invite secrets, so nothing about which
 * conversation is open ever reaches the server in a request.
 */
import { isTopic, type Topic } from '../core/ids.js';

export const conversationHref = (id: Topic): string => `#/c/${id}`;

export function selectedConversation(hash: string): Topic | null {
  const match = /^#\/c\/([0-9a-f]+)$/.exec(hash);
  return match && isTopic(match[1]) ? (match[1] as Topic) : null;
}
