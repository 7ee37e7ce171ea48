/**
 * What the conversation view says about a conversation in words: who is online, who is
 * typing, and why nothing more can be written here.
 */
import type { ConversationSession } from '../client/conversation-session.js';
import type { ParleyClient } from '../client/parley-client.js';
import { presenceText } from './presence-text.js';

/**
 * 1:1: the other person's presence; groups: how many of the other *people* (not devices)
 * are online. It never says "online" while this device has no connection at all, so it
 * cannot contradict the connection line.
 */
export function presenceLine(client: ParleyClient | undefined, s: ConversationSession): string {
  if (!client) return '';
  const others = [...s.otherIdentities()];
  if (others.length === 0) return 'Nobody else has joined yet';
  // The connection line says Offline: nobody can be seen online either.
  const cut = s.connection === 'offline';
  const state = (id: (typeof others)[number]) => {
    const p = client.presenceOf(s.id, id);
    return cut ? { online: false, lastSeen: p.lastSeen } : p;
  };
  if (s.isDirect || others.length === 1) return presenceText(state(others[0]!));
  const online = others.filter((id) => state(id).online).length;
  return `${others.length} others${cut ? '' : `, ${online} online`}`;
}

/** What this user sees once out of a group: removed, left, or this device removed. */
export function endedText(s: ConversationSession): string {
  switch (s.ended) {
    case 'removed':
      return `You were removed from ${s.title}.`;
    case 'left':
      return `You left ${s.title}.`;
    case 'device-removed':
      return 'This device was removed from your account. Nothing you write here is sent.';
    default:
      return '';
  }
}

/** "Ann is typing…", "Ann and Bo are typing…", then "Several people are typing…". */
export function typingText(names: readonly string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}
