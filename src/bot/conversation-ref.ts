/**
 * Finds the conversation a user means: an invite link (joined on the way when asked), a
 * conversation id or a unique prefix of one (at least 6 characters), or an exact title.
 */
import type { ConversationSession } from '../client/conversation-session.js';
import type { ParleyClient } from '../client/parley-client.js';
import { InvalidInviteError } from '../core/invite.js';
import { BotError } from './errors.js';

const looksLikeInvite = (ref: string): boolean => ref.includes('#') || /^https?:\/\//i.test(ref);

export async function resolveConversation(client: ParleyClient, ref: string, options: { join: boolean }): Promise<ConversationSession> {
  const text = ref.trim();
  if (looksLikeInvite(text)) {
    let topic;
    try {
      topic = await client.inviteTopic(text);
    } catch (cause) {
      if (cause instanceof InvalidInviteError) throw new BotError('invalid-invite', 'that is not a Parley invite link', {}, { cause });
      throw cause;
    }
    const known = topic ? client.get(topic) : undefined;
    if (known) return known;
    if (!options.join) throw new BotError('unknown-conversation', 'not a member of that conversation yet (run parley join first)', { ref: topic ?? text });
    return client.join(text);
  }
  const sessions = client.conversations.sessions();
  const exact = sessions.find((s) => s.id === text);
  if (exact) return exact;
  const byId = /^[0-9a-f]{6,}$/i.test(text) ? sessions.filter((s) => s.id.startsWith(text.toLowerCase())) : [];
  const matches = byId.length > 0 ? byId : sessions.filter((s) => s.title.toLowerCase() === text.toLowerCase());
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new BotError('ambiguous-conversation', `"${text}" matches ${matches.length} conversations; give more of the id`, { ref: text });
  throw new BotError('unknown-conversation', `no conversation "${text}" in this profile`, { ref: text });
}
