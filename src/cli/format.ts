/** Human-readable output of the CLI (with --json, commands print the objects themselves). */
import type { EventJson } from '../bot/bot-events.js';
import type { ProfileInfo } from '../bot/control.js';
import type { ConversationInfo, HistoryMessage } from '../bot/parley-bot.js';

const time = (ms: number | string): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

export const formatInfo = (info: ProfileInfo): string =>
  [
    `Name:            ${info.name}`,
    `Identity:        ${info.identity}`,
    `Safety digits:   ${info.safetyDigits}`,
    `Contact link:    ${info.contactLink}`,
    `Server:          ${info.server}`,
    ...(info.profile ? [`Profile:         ${info.profile}`] : []),
  ].join('\n');

export const formatConversations = (list: readonly ConversationInfo[]): string =>
  list.length === 0
    ? 'No conversations yet.'
    : list
        .map((c) => {
          const title = c.title || (c.direct ? '(direct)' : '(untitled)');
          const last = c.lastAt ? `  ${time(c.lastAt)} ${c.lastAuthor}: ${c.lastText}` : '';
          return `${c.id.slice(0, 12)}  ${title}  (${c.members} member${c.members === 1 ? '' : 's'})${last}`;
        })
        .join('\n');

export const formatHistory = (messages: readonly HistoryMessage[]): string =>
  messages.length === 0
    ? 'No messages.'
    : messages
        .map((m) => {
          const who = `${m.author.name}${m.author.bot ? ' [bot]' : ''}${m.author.me ? ' (me)' : ''}`;
          const text = m.deleted ? '(deleted)' : `${m.text}${m.edited ? ' (edited)' : ''}`;
          const reactions = Object.entries(m.reactions).map(([e, n]) => `${e}${n > 1 ? n : ''}`);
          return `${time(m.at)}  ${who}: ${text}${reactions.length ? `  ${reactions.join(' ')}` : ''}`;
        })
        .join('\n');

export function formatEvent(e: EventJson): string {
  const who = `${e.author.name}${e.author.bot ? ' [bot]' : ''}${e.author.verified ? ' ✓' : ''}`;
  const where = e.conversationTitle || e.conversation.slice(0, 12);
  const head = `${time(e.time)} [${where}] ${who}`;
  switch (e.type) {
    case 'message':
      return e.file ? `${head} sent ${e.file.name} (${e.file.size.toLocaleString('en-US')} bytes)${e.text ? `: ${e.text}` : ''}` : `${head}: ${e.text}`;
    case 'edit':
      return `${head} edited ${e.target?.slice(0, 8)}: ${e.text}`;
    case 'delete':
      return `${head} deleted ${e.target?.slice(0, 8)}`;
    case 'reaction':
      return `${head} ${e.on ? 'reacted' : 'withdrew'} ${e.emoji} on ${e.target?.slice(0, 8)}`;
    case 'join':
      return `${head} joined`;
    case 'leave':
      return `${head} left`;
  }
}
