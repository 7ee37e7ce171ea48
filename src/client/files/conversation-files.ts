/**
 * Which files of a conversation this device should have (docs/architecture.md §14.4), for
 * `ClientFiles` to pick up when it follows a conversation and again whenever keys arrive.
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

export async function conversationFiles(session: FilesSource): Promise<ConversationFiles> {
  // Only messages with a file and deletions: enough for the timeline's own rule of who may
  // delete what, and far fewer events to fold than the whole log.
  const events = session.synced.log.readAll().filter((e) => ((e.kind === 'message' && e.file) || e.kind === 'delete') && session.membership.shows(e));
  const folded = new Timeline();
  folded.add(events);
  const wanted: ConversationFile[] = [];
  const deleted = new Set<string>();
  for (const entry of folded.entries) {
    if (entry.deleted) deleted.add(entry.id);
    else if (entry.file && (session.timeline.get(entry.id) || (await fileKeyOf(session, entry.file)) !== null)) wanted.push({ id: entry.id, file: entry.file, mine: entry.author === session.me });
  }
  return { wanted, deleted };
}
