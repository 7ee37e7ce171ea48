/**
 * `<parley-composer>`: the message box. Enter sends, Shift+Enter adds a line.
 *
 * Events:
 * - `parley-send` (detail: { text }) when the user sends; the owner calls `clear()`.
 *   A send that later fails to save stays in the log marked "Not saved", so the text is
 *   never silently gone.
 * - `parley-typing` on input, for typing indicators.
 */
import { LitElement, css, html } from 'lit';
import { controls, themeTokens } from '../styles/theme.js';

export interface SendDetail {
  readonly text: string;
}

export class Composer extends LitElement {
  static override properties = { disabled: { type: Boolean } };
  declare disabled: boolean;

  constructor() {
    super();
    this.disabled = false;
  }

  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: block;
        background: transparent;
      }
      form {
        display: flex;
        gap: 0.5rem;
        align-items: flex-end;
        padding: 0.6rem 0.75rem;
        border-top: 1px solid var(--pl-border);
      }
      textarea {
        flex: 1;
        resize: none;
        min-height: 2.5rem;
        max-height: 10rem;
        field-sizing: content;
      }
    `,
  ];

  clear(): void {
    const box = this.box;
    if (box) box.value = '';
  }

  override focus(): void {
    this.box?.focus();
  }

  private get box(): HTMLTextAreaElement | null {
    return this.renderRoot.querySelector('textarea');
  }

  protected override render() {
    return html`<form @submit=${this.onSubmit}>
      <label class="visually-hidden" for="message">Message</label>
      <textarea
        id="message"
        rows="1"
        placeholder="Write a message"
        autocomplete="off"
        enterkeyhint="send"
        ?disabled=${this.disabled}
        @keydown=${this.onKeyDown}
        @input=${this.onInput}
      ></textarea>
      <button type="submit" ?disabled=${this.disabled}>Send</button>
    </form>`;
  }

  private readonly onKeyDown = (event: KeyboardEvent): void => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.submit();
    }
  };

  private readonly onInput = (): void => {
    this.dispatchEvent(new CustomEvent('parley-typing', { bubbles: true, composed: true }));
  };

  private readonly onSubmit = (event: Event): void => {
    event.preventDefault();
    this.submit();
  };

  private submit(): void {
    const text = this.box?.value ?? '';
    if (text.trim().length === 0) return;
    this.dispatchEvent(new CustomEvent<SendDetail>('parley-send', { detail: { text }, bubbles: true, composed: true }));
  }
}

customElements.define('parley-composer', Composer);

declare global {
  interface HTMLElementTagNameMap {
    'parley-composer': Composer;
  }
}
