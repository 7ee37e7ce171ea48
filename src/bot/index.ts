/**
 * `parley/bot`: the library for programs that are members of Parley conversations.
 * docs/architecture.md §12 and README "Bots, the command line and webhooks".
 */
export { ParleyBot, type ParleyBotOptions, type SendOptions, type ConversationInfo, type HistoryMessage } from './parley-bot.js';
export type { BotAuthor, BotConversation, BotDelete, BotEdit, BotEvent, BotFile, BotEventKind, BotEvents, BotMembership, BotMessage, BotReaction, EventJson, SentMessage } from './bot-events.js';
export { eventJson } from './bot-events.js';
export { BotError, BotErrorCodes, type BotErrorCode } from './errors.js';
export type { HistoryWait } from './waits.js';
export type { FileProgress, SendFileOptions, SentFile } from './send-file.js';
export type { Logger, LogFields } from '../core/logger.js';
