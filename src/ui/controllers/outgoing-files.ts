/**
 * Files on their way out of the open conversation (docs/architecture.md §14.4): the ones
 * picked with Attach, pasted or dropped anywhere on the view, kept until sent (empty ones and
 * ones over the cap are refused with words); sending them, the first with the composer's text
 * as its caption; and sending a text too long for a message as a text file.
 *
 * Nothing is thrown away: files that were not sent come back to the list, and text comes
 * back to the composer (or, for a text sent as a file, leaves it only once the file message
 * is saved).
 *
 * A file being sent stays in the list of files to send, marked "Encrypting…", until its
 * message's row is in the message list, and leaves it in that same render: the list of
 * files closing makes the message list taller, and closed at the click (with a separate
 * "Encrypting…" line that went a few frames after the row came) it moved the sender's rows
 * down by 41 px after the new row had shown (docs/architecture.md §11).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ConversationSession } from '../../client/conversation-session.js';
import type { EventId } from '../../core/ids.js';
import type { ClientFiles } from '../../client/files/client-files.js';
import type { Preparing } from '../components/attachments.js';
import type { Composer } from '../components/composer.js';
import { errorText } from '../error-text.js';
import type { ActionController } from './action-controller.js';

/** The name of a long text sent as a file. */
export const TEXT_FILE_NAME = 'message.txt';

export class OutgoingFiles implements ReactiveController {
  /** Files picked, pasted or dropped, not sent yet. */
  pending: readonly File[] = [];
  /** Why a picked file was refused, in words. */
  problem = '';
  /** Files are being encrypted and stored. */
  sealing = false;
  /** Files being sent whose message is not in the timeline yet, the one being sealed first. */
  sending: readonly File[] = [];
  /** The file being encrypted and stored now, and how far, in whole percent. */
  preparing: Preparing | null = null;
  /** Where the files being sent will show, and since when (their messages are no older). */
  private outgoing: { readonly session: ConversationSession; readonly since: number } | null = null;
  /** Messages already matched to a file that left the list (two files of one size). */
  private readonly shown = new Set<EventId>();

  /**
   * @param host the conversation view: pasting or dropping files onto it attaches them
   * @param files this device's files, once the client has them
   * @param action where a failed send shows
   */
  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly files: () => ClientFiles | undefined,
    private readonly action: ActionController,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.host.addEventListener('paste', this.onPaste);
    this.host.addEventListener('dragover', this.onDragOver);
    this.host.addEventListener('drop', this.onDrop);
  }

  /**
   * Before each render of the view: a file whose message is in the timeline now leaves the
   * list of files to send in the render that draws its row.
   */
  hostUpdate(): void {
    const first = this.sending[0];
    if (first && this.outgoing && this.inTimeline(first, this.outgoing.session, this.outgoing.since)) this.sending = this.sending.slice(1);
  }

  /** This device's newest file message of `file`'s size, sent since `since` and not matched yet. */
  private inTimeline(file: File, session: ConversationSession, since: number): boolean {
    const entries = session.timeline.entries;
    for (let i = entries.length - 1; i >= 0 && entries[i]!.at >= since; i--) {
      const e = entries[i]!;
      if (e.kind !== 'message' || e.author !== session.me || e.file?.size !== file.size || this.shown.has(e.id)) continue;
      this.shown.add(e.id);
      return true;
    }
    return false;
  }

  hostDisconnected(): void {
    this.host.removeEventListener('paste', this.onPaste);
    this.host.removeEventListener('dragover', this.onDragOver);
    this.host.removeEventListener('drop', this.onDrop);
  }

  /** Adds files to send, refusing empty ones and ones over the cap with a clear message. */
  attach(files: readonly File[]): void {
    const max = this.files()?.maxFileBytes ?? Infinity;
    const ok: File[] = [];
    const problems: string[] = [];
    for (const f of files) {
      if (f.size === 0) problems.push(errorText({ code: 'file-empty', detail: { name: f.name } }));
      else if (f.size > max) problems.push(errorText({ code: 'file-too-large', detail: { name: f.name, max } }));
      else ok.push(f);
    }
    this.problem = problems.join(' ');
    if (ok.length > 0) this.pending = [...this.pending, ...ok];
    this.host.requestUpdate();
  }

  /** Takes a picked file off the list before it is sent. */
  remove(index: number): void {
    this.pending = this.pending.filter((_, i) => i !== index);
    this.host.requestUpdate();
  }

  /**
   * Sends the picked files, the first with `text` as its caption. The composer is emptied at
   * once (`onCleared`); what was not sent comes back.
   */
  async send(session: ConversationSession, composer: Composer, text: string, onCleared: () => void): Promise<void> {
    const files = this.files();
    if (!files) return;
    const picked = this.pending;
    this.pending = [];
    composer.clear();
    onCleared();
    await this.sealed(session, picked, async () => {
      for (const [i, file] of picked.entries()) {
        if (!(await this.action.run(() => files.send(session, { blob: file, name: file.name, progress: this.progressOf(file) }, i === 0 ? text : '')))) {
          this.pending = [...picked.slice(i), ...this.pending];
          if (i === 0) composer.restore(text);
          return;
        }
      }
    });
  }

  /**
   * Sends `text` as a UTF-8 text file message. The composer keeps the text until the file
   * message is saved, and keeps it for good when that fails.
   */
  async sendText(session: ConversationSession, composer: Composer, text: string, onCleared: () => void): Promise<void> {
    const files = this.files();
    if (!files || this.sealing) return;
    const blob = new File([text], TEXT_FILE_NAME, { type: 'text/plain;charset=utf-8' });
    await this.sealed(session, [blob], async () => {
      if (!(await this.action.run(() => files.send(session, { blob, name: TEXT_FILE_NAME, progress: this.progressOf(blob) })))) return;
      // The user may have changed the text meanwhile: only what was sent leaves the box.
      if (composer.clear(text)) onCleared();
    });
  }

  /**
   * What tells the view how far `file`'s preparation is: a render only when the whole
   * percent changes (a large file reports a batch at a time, tens a second).
   */
  private progressOf(file: File): (fraction: number) => void {
    this.preparing = { file, percent: 0 };
    return (fraction) => {
      const percent = Math.min(100, Math.floor(fraction * 100));
      if (this.preparing?.file !== file || this.preparing.percent === percent) return;
      this.preparing = { file, percent };
      this.host.requestUpdate();
    };
  }

  /** Runs the sending of `files`, shown in the list of files to send until each one's row shows. */
  private async sealed(session: ConversationSession, files: readonly File[], run: () => Promise<void>): Promise<void> {
    this.sealing = true;
    this.sending = files;
    this.outgoing = { session, since: Date.now() };
    this.host.requestUpdate();
    try {
      await run();
    } finally {
      this.sealing = false;
      this.preparing = null;
      // Sent files whose row the view has not drawn yet leave with the render this asks for.
      this.sending = [];
      this.outgoing = null;
      this.host.requestUpdate();
    }
  }

  private readonly onPaste = (event: ClipboardEvent): void => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (files.length === 0) return;
    event.preventDefault();
    // A pasted screenshot is called "image.png" by every browser; give it a useful name.
    this.attach(files.map((f) => (f.name === 'image.png' ? new File([f], `Pasted image ${new Date().toISOString().slice(0, 19).replace('T', ' ')}.png`, { type: f.type }) : f)));
  };

  private readonly onDragOver = (event: DragEvent): void => {
    if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
  };

  private readonly onDrop = (event: DragEvent): void => {
    if (!event.dataTransfer?.files.length) return;
    event.preventDefault();
    this.attach([...event.dataTransfer.files]);
  };
}
