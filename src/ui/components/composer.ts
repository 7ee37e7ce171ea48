/**
 * `<parley-composer>`: the message box. Enter sends, Shift+Enter adds a line.
 *
 * Text is never thrown away: over the length limit it stays in the box with a counter and
 * a clear error, and (`canSendFile`) a "Send as file" button; the owner puts text back
 * (`restore`) when a send fails. The owner keeps drafts per conversation from `parley-draft`.
 *
 * Slot `tools`: controls on the same row as the box, before it (Attach, Record).
 *
 * Events (all bubble and are composed):
 * - `parley-send` (detail: { text }) when the user sends; the owner calls `clear()`;
 * - `parley-send-as-file` (detail: { text }) on "Send as file"; the owner calls `clear(text)`
 *   once the file message is saved;
 * - `parley-draft` (detail: { text }) whenever the text changes;
 * - `parley-typing` on input, for typing indicators;
 * - `parley-edit-last` on Up in an empty box: edit your last message;
 * - `parley-cancel-reply` on Escape or "Cancel reply" while replying.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { MAX_TEXT } from '../../core/events.js';
import { errorText } from '../error-text.js';
import { controls, themeTokens } from '../styles/theme.js';

export interface SendDetail {
  readonly text: string;
}

/** What a reply quotes: who wrote the message and the start of its text. */
export interface ReplyPreview {
  readonly name: string;
  readonly excerpt: string;
}

/** The counter appears this close to the limit. */
const COUNTER_FROM = MAX_TEXT - 1_000;
const number = new Intl.NumberFormat('en');

export class Composer extends LitElement {
  static override properties = {
    disabled: { type: Boolean },
    allowEmpty: { type: Boolean },
    canSendFile: { type: Boolean },
    busy: { type: Boolean },
    text: { attribute: false },
    replyTo: { attribute: false },
    length: { state: true },
    tooLong: { state: true },
  };
  declare disabled: boolean;
  /** Send even with no text: files are attached, and the text is their caption. */
  declare allowEmpty: boolean;
  /** A text over the limit can be sent as a file instead. */
  declare canSendFile: boolean;
  /** A file is being sent: "Send as file" waits. */
  declare busy: boolean;
  /** Text to show (a draft); replaces what the box holds when set. */
  declare text: string;
  /** The message being replied to, if any. */
  declare replyTo: ReplyPreview | null;
  declare length: number;
  /** The last send was refused for length; cleared once the text fits. */
  declare tooLong: boolean;

  constructor() {
    super();
    this.disabled = false;
    this.allowEmpty = false;
    this.canSendFile = false;
    this.busy = false;
    this.text = '';
    this.replyTo = null;
    this.length = 0;
    this.tooLong = false;
  }

  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: block;
        background: transparent;
        border-top: 1px solid var(--pl-border);
      }
      /* One row; while recording, the box and Send wrap under the recorder rather than overflow. */
      form {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: flex-end;
        padding: 0.6rem 0.75rem;
      }
      ::slotted(*) {
        flex: none;
      }
      button[type='submit'] {
        min-height: 2.5rem;
      }
      /* The box, Send and the tools beside it are one row of 2.5rem controls, down to a
         320 px screen: there the box is about 7.5rem wide (a larger basis put Send on a line
         of its own), room for the placeholder "Message" on one line (it sizes the box). */
      textarea {
        flex: 1 1 6rem;
        min-width: 0;
        resize: none;
        box-sizing: border-box;
        min-height: 2.5rem;
        max-height: 10rem;
        field-sizing: content;
      }
      .reply {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        margin: 0.5rem 0.75rem 0;
        padding: 0.3rem 0.6rem;
        border-left: 3px solid var(--pl-accent);
        background: var(--pl-surface);
        border-radius: 4px;
        font-size: 0.85rem;
      }
      .reply p {
        flex: 1;
        min-width: 0;
        margin: 0;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .reply button {
        padding: 0.2rem 0.5rem;
        font-size: 0.8rem;
      }
      .meta {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 0.75rem;
        align-items: center;
        justify-content: flex-end;
        padding: 0 0.75rem 0.4rem;
        font-size: 0.8rem;
        color: var(--pl-muted);
      }
      .meta:empty {
        display: none;
      }
      .over {
        color: var(--pl-danger);
        font-weight: 600;
      }
      .meta button {
        padding: 0.25rem 0.6rem;
        font-size: 0.85rem;
      }
      .error {
        flex: 1 1 12rem;
        margin: 0;
        color: var(--pl-danger);
      }
    `,
  ];

  /**
   * Empties the box after a send (the draft goes with it); with `sent`, only while the box
   * still holds that text. Resolves whether it emptied the box.
   */
  clear(sent?: string): boolean {
    if (sent !== undefined && (this.box?.value ?? '') !== sent) return false;
    this.setValue('');
    return true;
  }

  /** Puts back text whose send failed, unless the user has typed something new since. */
  restore(text: string): void {
    if ((this.box?.value ?? '') === '') this.setValue(text);
  }

  override focus(): void {
    this.box?.focus();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('text') && this.box && this.box.value !== this.text) this.setValue(this.text, false);
  }

  private get box(): HTMLTextAreaElement | null {
    return this.renderRoot.querySelector('textarea');
  }

  private setValue(text: string, report = true): void {
    const box = this.box;
    if (box) box.value = text;
    this.length = text.length;
    if (text.length <= MAX_TEXT) this.tooLong = false;
    if (report) this.report(text);
  }

  protected override render() {
    const over = this.length > MAX_TEXT;
    return html`${this.replyTo
        ? html`<div class="reply" role="group" aria-label="Replying">
            <p>Replying to <strong>${this.replyTo.name}</strong>: ${this.replyTo.excerpt}</p>
            <button type="button" class="secondary" @click=${this.cancelReply}>Cancel reply</button>
          </div>`
        : nothing}
      <form @submit=${this.onSubmit}>
        <slot name="tools"></slot>
        <label class="visually-hidden" for="message">Message</label>
        <textarea
          id="message"
          rows="1"
          placeholder="Message"
          autocomplete="off"
          enterkeyhint="send"
          aria-describedby="composer-meta"
          aria-invalid=${over ? 'true' : 'false'}
          ?disabled=${this.disabled}
          @keydown=${this.onKeyDown}
          @input=${this.onInput}
        ></textarea>
        <button type="submit" ?disabled=${this.disabled}>Send</button>
      </form>
      <div class="meta" id="composer-meta">${this.tooLong && over
          ? html`<p class="error" role="alert">${errorText({ code: 'message-too-long', detail: { length: this.length, max: MAX_TEXT } })}</p>`
          : nothing}${over && this.canSendFile
          ? html`<button type="button" class="secondary" ?disabled=${this.busy || this.disabled} @click=${this.sendAsFile}>Send as file</button>`
          : nothing}${this.length > COUNTER_FROM
          ? html`<span class=${over ? 'over' : ''} role="status">${number.format(this.length)} / ${number.format(MAX_TEXT)}</span>`
          : nothing}</div>`;
  }

  private readonly onKeyDown = (event: KeyboardEvent): void => {
    if (event.isComposing) return;
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      this.submit();
    } else if (event.key === 'Escape' && this.replyTo) {
      event.preventDefault();
      this.cancelReply();
    } else if (event.key === 'ArrowUp' && (this.box?.value ?? '') === '') {
      event.preventDefault();
      this.emit('parley-edit-last', {});
    }
  };

  private readonly onInput = (): void => {
    const text = this.box?.value ?? '';
    this.length = text.length;
    if (text.length <= MAX_TEXT) this.tooLong = false;
    this.report(text);
    this.emit('parley-typing', {});
  };

  private readonly onSubmit = (event: Event): void => {
    event.preventDefault();
    this.submit();
  };

  private readonly sendAsFile = (): void => {
    this.emit<SendDetail>('parley-send-as-file', { text: this.box?.value ?? '' });
  };

  private readonly cancelReply = (): void => {
    this.emit('parley-cancel-reply', {});
    this.focus();
  };

  private report(text: string): void {
    this.emit('parley-draft', { text });
  }

  private submit(): void {
    const text = this.box?.value ?? '';
    if (text.trim().length === 0 && !this.allowEmpty) return;
    // Refused here, before anything is sent: the text stays for the user to shorten.
    if (text.length > MAX_TEXT) {
      this.tooLong = true;
      return;
    }
    this.emit<SendDetail>('parley-send', { text });
  }

  private emit<T>(type: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
  }
}

customElements.define('parley-composer', Composer);

declare global {
  interface HTMLElementTagNameMap {
    'parley-composer': Composer;
  }
}
