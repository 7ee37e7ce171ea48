/**
 * Which files of a conversation this device should have (docs/architecture.md §14.4), for
 * `ClientFiles` to pick up when it follows a conversation, again whenever keys arrive, and
 * as file messages arrive: one rule for all three (`FileWants`).
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
 * - Keys arriving (`rekeyed`) are looked at for those hidden rows alone, by epoch: every
 *   other file was decided already, and walking the log and the stored files again on every
 *   rekey grew with the conversation's files.
 */
import type { ConversationEvent } from '../../core/events.js';
import type { FileRef } from '../../core/files/file-ref.js';
import type { DeviceId, EventId } from '../../core/ids.js';
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

/**
 * The rule for one followed conversation, with the hidden rows still waiting for their key.
 * Looks run one at a time, so a row found keyless is waiting before the keys that arrive
 * after that look are looked for.
 */
export class FileWants {
  /**
   * Hidden rows whose key did not derive here when last looked at, by the epoch it derives
   * from: all a rekey can newly open. A deleted row may sit here; it is dropped once its
   * epoch's key derives and its deletion is seen.
   */
  private readonly waiting = new Map<string, Map<EventId, ConversationFile>>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly session: FilesSource) {}

  /** Every file of the conversation this device should have, and the deleted ones (a walk of the whole log). */
  all(): Promise<ConversationFiles> {
    return this.serial(async () => {
      const wanted: ConversationFile[] = [];
      const deleted = new Set<string>();
      for (const entry of foldFiles(this.session).entries) {
        if (entry.deleted) {
          deleted.add(entry.id);
          continue;
        }
        const f = entry.file ? this.fileOf(entry.id, entry.file, entry.author) : null;
        if (f && (await this.wants(f, () => false))) wanted.push(f);
      }
      return { wanted, deleted };
    });
  }

  /**
   * The files of newly arrived events this device should have. Call it once the timeline has
   * folded them in (the session observes the log before anyone else does). The log is walked
   * only for a row the timeline hides whose key derives here, to learn whether it was deleted.
   */
  arrived(events: readonly ConversationEvent[]): Promise<ConversationFile[]> {
    return this.serial(async () => {
      const deleted = this.deletedOnce();
      const out: ConversationFile[] = [];
      for (const e of events) {
        if (e.kind !== 'message' || !e.file || !this.session.membership.shows(e)) continue;
        const f = this.fileOf(e.id, e.file, e.author);
        if (await this.wants(f, deleted)) out.push(f);
      }
      return out;
    });
  }

  /**
   * Keys arrived (`rekeyed`: a new epoch, or roots handed over): the waiting rows whose
   * epoch's key is here now or that the timeline shows now, and no other file. The log is
   * walked only when one of them derives (to learn whether it was deleted).
   */
  rekeyed(): Promise<ConversationFile[]> {
    return this.serial(async () => {
      const deleted = this.deletedOnce();
      const out: ConversationFile[] = [];
      for (const [epoch, files] of [...this.waiting]) {
        const keyed = (await this.session.fileRoot(epoch)) !== null || this.session.epochSecret(epoch) !== null;
        // Without the key only rows the timeline shows now (a switch to full history shows
        // them with no new event) are wanted: a shown row is, before its key, as any other.
        const look = keyed ? [...files.values()] : [...files.values()].filter((f) => this.session.timeline.get(f.id));
        for (const f of look) {
          files.delete(f.id);
          // A row whose key still does not derive (an older message needing the secret) waits again.
          if (await this.wants(f, deleted)) out.push(f);
        }
        if (files.size === 0) this.waiting.delete(epoch);
      }
      return out;
    });
  }

  /**
   * Whether the message `id` was deleted for everyone, by the rule the timeline folds with
   * (only its author deletes a message, and a removed member's later events count for
   * nothing): for a row the timeline shows, its entry; for one it hides, a fold of the log's
   * files and deletions. A delete event aimed at someone else's message deletes nothing, so
   * it must erase nothing stored either.
   */
  deleted(id: EventId): boolean {
    return this.deletedOf([id]).length > 0;
  }

  /** Those of `ids` deleted for everyone (`deleted`), with one fold of the log for all the hidden ones. */
  deletedOf(ids: readonly EventId[]): EventId[] {
    const folded = this.deletedOnce();
    return ids.filter((id) => {
      const shown = this.session.timeline.get(id);
      return shown ? shown.deleted === true : folded(id);
    });
  }

  /**
   * The rule, for a file message that `membership.shows`: a row the timeline shows unless it
   * was deleted (the timeline folded its deletion: only its author deletes it, and an author's
   * events show alike); a row it hides only if its key derives here and it was not deleted,
   * and until then it waits for its epoch's key.
   */
  private async wants(f: ConversationFile, deleted: (id: EventId) => boolean): Promise<boolean> {
    const shown = this.session.timeline.get(f.id);
    if (shown) return !shown.deleted;
    if ((await fileKeyOf(this.session, f.file)) !== null) return !deleted(f.id);
    // Without an epoch and salt (and no key of its own) nothing ever derives its key.
    if (f.file.epoch && f.file.salt) {
      const files = this.waiting.get(f.file.epoch) ?? new Map<EventId, ConversationFile>();
      this.waiting.set(f.file.epoch, files.set(f.id, f));
    }
    return false;
  }

  /** Whether a row was deleted, from one fold of the log's files made the first time it is asked. */
  private deletedOnce(): (id: EventId) => boolean {
    let folded: Timeline | null = null;
    return (id) => (folded ??= foldFiles(this.session)).get(id)?.deleted ?? false;
  }

  private fileOf(id: EventId, file: FileRef, author: DeviceId): ConversationFile {
    return { id, file, mine: author === this.session.me };
  }

  private serial<T>(look: () => Promise<T>): Promise<T> {
    const next = this.queue.then(look);
    this.queue = next.catch(() => undefined);
    return next;
  }
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
