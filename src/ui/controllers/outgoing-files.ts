/**
 * Files on their way out of the open conversation (docs/architecture.md §14.4): the ones
 * picked with Attach, pasted or dropped anywhere on the view, kept until sent (empty ones and
 * ones over the cap are refused with words); sending them, the first with the composer's text
 * as its caption; and sending a text too long for a message as a text file.
 *
 * Nothing is thrown away: files that were not sent come back to the list, and text comes
 * back to the composer (or, for a text sent as a file, leaves it only once the file message
 * is saved).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ConversationSession } from '../../client/conversation-session.js';
import type { ClientFiles } from '../../client/files/client-files.js';
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
    await this.sealed(async () => {
      for (const [i, file] of picked.entries()) {
        if (!(await this.action.run(() => files.send(session, { blob: file, name: file.name }, i === 0 ? text : '')))) {
          this.pending = picked.slice(i);
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
    const blob = new Blob([text], { type: 'text/plain;charset=utf-8' });
    await this.sealed(async () => {
      if (!(await this.action.run(() => files.send(session, { blob, name: TEXT_FILE_NAME })))) return;
      // The user may have changed the text meanwhile: only what was sent leaves the box.
      if (composer.clear(text)) onCleared();
    });
  }

  private async sealed(run: () => Promise<void>): Promise<void> {
    this.sealing = true;
    this.host.requestUpdate();
    try {
      await run();
    } finally {
      this.sealing = false;
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
