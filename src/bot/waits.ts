/**
 * Waiting on a conversation without polling: until a message is acknowledged, and until a
 * freshly joined conversation's history has arrived. Both follow the session's `changed`
 * event, which fires on delivery states, members and history progress alike.
 */
import type { ConversationSession } from '../client/conversation-session.js';
import type { EventId } from '../core/ids.js';
import type { HistoryProgress } from '../net/room-sync.js';
import { BotError } from './errors.js';

function until(session: ConversationSession, done: () => boolean, timeoutMs: number, onTimeout: () => Error, onChange?: () => void): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      onChange?.();
      if (!done()) return;
      finish();
      resolve();
    };
    const timer = setTimeout(() => {
      finish();
      reject(onTimeout());
    }, timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      session.off('changed', check);
    };
    session.on('changed', check);
  });
}

/** Resolves once a member device or the mailbox holds the message. */
export function waitForAcknowledged(session: ConversationSession, id: EventId, timeoutMs: number): Promise<void> {
  return until(
    session,
    () => session.deliveryState(id) === 'sent',
    timeoutMs,
    () => new BotError('not-acknowledged', `no member or mailbox acknowledged the message within ${Math.round(timeoutMs / 1000)} s; it is saved and goes out when this profile is next online`, { id }),
  );
}

export interface HistoryWait {
  readonly timeoutMs: number;
  /** Called as a large history arrives and is checked. */
  readonly onProgress?: (progress: HistoryProgress) => void;
}

/**
 * Resolves once another member's records are here and no large sync is under way: the
 * history came with them. Rejects with BotError('no-peer') when nobody was online in time.
 */
export function waitForHistory(session: ConversationSession, wait: HistoryWait): Promise<void> {
  return until(
    session,
    () => session.otherIdentities().size > 0 && session.historyProgress() === null,
    wait.timeoutMs,
    () => new BotError('no-peer', 'no member was online to send the history; it arrives when one is'),
    () => {
      const progress = session.historyProgress();
      if (progress) wait.onProgress?.(progress);
    },
  );
}
