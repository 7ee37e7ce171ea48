/**
 * Which files of a conversation this device should have (docs/architecture.md §14.4), for
 * `ClientFiles` to pick up when it follows a conversation, again whenever keys arrive, and
 * as file messages arrive: one rule for all three (`wants`).
 *
 * Read from the signed log, not from the timeline the user sees: that one leaves out what a
 * "from join" group hides from a member who joined later (§4.6) and what blocked people
 * wrote, and a file among them may be this device's to fetch. Once an admin switches such a
 * group to full history the rows appear without any new event, so a walk of the shown rows
 * at follow() missed those files for the rest of the session.
 *
 * - A removed member's later messages count for nothing here, as in the timeline
 *   (`MembershipView.shows`).
 * - A deleted message's file is not wanted (its stored chunks are to go).
 * - A row the timeline shows is wanted even before its key is here (the epoch's share may
 *   come later, and the file then opens on `rekeyed`); a row it hides only once this device
 *   holds its key, which a full-history switch hands it (§14.1). Until then nothing of it is
 *   fetched or recorded.
 */
import type { ConversationEvent } from '../../core/events.js';
import type { FileRef } from '../../core/files/file-ref.js';
import type { EventId } from '../../core/ids.js';
import { Timeline } from '../../core/timeline.js';
import type { ConversationSession } from '../conversation-session.js';
import { fileKeyOf } from './file-keys.js';

/** What of a session this reads. */
export type FilesSource = Pick<ConversationSession, 'synced' | 'membership' | 'timeline' | 'me' | 'fileRoot' | 'epochSecret'>;

export interface ConversationFile {
  readonly id: EventId;
  readonly file: FileRef;
  /** Sent from this device. */
  readonly mine: boolean;
}

export interface ConversationFiles {
  /** Files to record and, by the auto-download rule, fetch. */
  readonly wanted: readonly ConversationFile[];
  /** Ids of file messages deleted for everyone. */
  readonly deleted: ReadonlySet<string>;
}

/** Every file of the conversation this device should have, and the deleted ones (a walk of the whole log). */
export async function conversationFiles(session: FilesSource): Promise<ConversationFiles> {
  const wanted: ConversationFile[] = [];
  const deleted = new Set<string>();
  for (const entry of foldFiles(session).entries) {
    if (entry.deleted) deleted.add(entry.id);
    else if (entry.file && (await wants(session, entry.id, entry.file, () => false))) wanted.push({ id: entry.id, file: entry.file, mine: entry.author === session.me });
  }
  return { wanted, deleted };
}

/**
 * The files of newly arrived events this device should have. Call it once the timeline has
 * folded them in (the session observes the log before anyone else does). The log is walked
 * only for a row the timeline hides whose key derives here, to learn whether it was deleted.
 */
export async function arrivedFiles(session: FilesSource, events: readonly ConversationEvent[]): Promise<ConversationFile[]> {
  let folded: Timeline | null = null;
  const deleted = (id: EventId): boolean => (folded ??= foldFiles(session)).get(id)?.deleted ?? false;
  const out: ConversationFile[] = [];
  for (const e of events) {
    if (e.kind !== 'message' || !e.file || !session.membership.shows(e)) continue;
    if (await wants(session, e.id, e.file, () => deleted(e.id))) out.push({ id: e.id, file: e.file, mine: e.author === session.me });
  }
  return out;
}

/**
 * The rule, for a file message that `membership.shows`: a row the timeline shows unless it
 * was deleted (the timeline folded its deletion: only its author deletes it, and an author's
 * events show alike); a row it hides only if its key derives here and it was not deleted.
 */
async function wants(session: FilesSource, id: EventId, file: FileRef, deleted: () => boolean): Promise<boolean> {
  const shown = session.timeline.get(id);
  if (shown) return !shown.deleted;
  return (await fileKeyOf(session, file)) !== null && !deleted();
}

/**
 * File messages and deletions of the log, folded as the timeline folds them (who may delete
 * what): far fewer events to fold than the whole log.
 */
function foldFiles(session: FilesSource): Timeline {
  const events = session.synced.log.readAll().filter((e) => ((e.kind === 'message' && e.file) || e.kind === 'delete') && session.membership.shows(e));
  const folded = new Timeline();
  folded.add(events);
  return folded;
}
