/**
 * `<parley-attachments>`: the Attach button and, before sending, one row per picked file with
 * its name, size and a remove ✕ (docs/architecture.md §14.4). The owner keeps the list;
 * pasting and dropping files are handled by the conversation view and end up here too.
 *
 * Events (bubble, composed):
 * - `parley-attach` (detail: { files: File[] }) when the user picks files;
 * - `parley-remove-attachment` (detail: { index }) on ✕.
 */
import { LitElement, css, html, nothing } from 'lit';
import { sizeText } from '../error-text.js';
import { controls, themeTokens } from '../styles/theme.js';

export interface AttachDetail {
  readonly files: File[];
}

export class Attachments extends LitElement {
  static override properties = { files: { attribute: false }, problem: { attribute: false }, busy: { type: Boolean } };
  /** Files picked and not sent yet. */
  declare files: readonly File[];
  /** Why a file was refused (too large, empty), in words; shown as an alert. */
  declare problem: string;
  /** Files are being encrypted and stored. */
  declare busy: boolean;

  constructor() {
    super();
    this.files = [];
    this.problem = '';
    this.busy = false;
  }

  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: block;
        padding: 0 0.75rem;
      }
      .pick {
        display: inline-flex;
        align-items: center;
        gap: 0.3rem;
        cursor: pointer;
        font-size: 0.9rem;
        color: var(--pl-link);
      }
      .pick input {
        position: absolute;
        width: 1px;
        height: 1px;
        opacity: 0;
      }
      .pick:focus-within {
        outline: 2px solid var(--pl-focus);
        outline-offset: 2px;
      }
      ul {
        list-style: none;
        margin: 0.3rem 0;
        padding: 0;
        display: grid;
        gap: 0.25rem;
      }
      li {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        font-size: 0.9rem;
      }
      .size,
      .busy {
        color: var(--pl-muted);
        font-size: 0.8rem;
      }
      .problem {
        color: var(--pl-danger);
        margin: 0.2rem 0;
      }
    `,
  ];

  protected override render() {
    return html`${this.files.length > 0
        ? html`<ul aria-label="Files to send">
            ${this.files.map(
              (f, index) => html`<li>
                <span class="name">${f.name}</span><span class="size">${sizeText(f.size)}</span>
                <button type="button" class="link" aria-label=${`Remove ${f.name}`} ?disabled=${this.busy} @click=${() => this.emit('parley-remove-attachment', { index })}>✕</button>
              </li>`,
            )}
          </ul>`
        : nothing}
      ${this.busy ? html`<p class="busy" role="status">Encrypting…</p>` : nothing}
      ${this.problem ? html`<p class="problem" role="alert">${this.problem}</p>` : nothing}
      <label class="pick"><span aria-hidden="true">📎</span> Attach<input type="file" multiple aria-label="Attach" @change=${this.onPick} /></label>`;
  }

  private readonly onPick = (event: Event): void => {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length > 0) this.emit<AttachDetail>('parley-attach', { files });
  };

  private emit<T>(type: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
  }
}

customElements.define('parley-attachments', Attachments);
