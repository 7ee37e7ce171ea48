/**
 * `<parley-attachments>`: before sending, one row per picked file with its name, size and a
 * remove ✕, and why a file was refused (docs/architecture.md §14.4). The owner keeps the list;
 * files come from the Attach button (`<parley-attach-button>`), pasting and dropping. Files
 * being sent stay in it, "Encrypting…" in place of their ✕ (a row of the same height), until
 * the owner says their message shows (docs/architecture.md §11).
 *
 * Events (bubble, composed): `parley-remove-attachment` (detail: { index }) on ✕.
 */
import { LitElement, css, html, nothing } from 'lit';
import { sizeText } from '../error-text.js';
import { controls, themeTokens } from '../styles/theme.js';

/** A file being encrypted and stored, and how far (0–100). */
export interface Preparing {
  readonly file: File;
  readonly percent: number;
}

export class Attachments extends LitElement {
  static override properties = { files: { attribute: false }, sending: { attribute: false }, preparing: { attribute: false }, problem: { attribute: false } };
  /** Files picked and not sent yet. */
  declare files: readonly File[];
  /** Files being sent (encrypted and stored, the first one now) whose message does not show yet. */
  declare sending: readonly File[];
  /** The file being encrypted and stored now, and how far: a large file takes seconds. */
  declare preparing: Preparing | null;
  /** Why a file was refused (too large, empty), in words; shown as an alert. */
  declare problem: string;

  constructor() {
    super();
    this.files = [];
    this.sending = [];
    this.preparing = null;
    this.problem = '';
  }

  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: block;
        padding: 0 0.75rem;
      }
      ul {
        list-style: none;
        margin: 0.3rem 0;
        padding: 0;
        display: grid;
        gap: 0.25rem;
      }
      /* As tall as its ✕ whatever it holds, so a file keeps its row when its sending starts. */
      li {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        min-height: 1.5rem;
        font-size: 0.9rem;
      }
      .size,
      .busy {
        color: var(--pl-muted);
        font-size: 0.8rem;
      }
      /* One line: beside a long name on a phone "150 kB" broke in two; the name wraps instead. */
      .size {
        white-space: nowrap;
      }
      /* 24 px at least each way (WCAG 2.5.8), as every control a finger has to hit. */
      .remove {
        padding: 0.1rem 0.5rem;
        font-size: 0.8rem;
        min-width: 1.5rem;
        min-height: 1.5rem;
      }
      .problem {
        color: var(--pl-danger);
        margin: 0.2rem 0;
      }
    `,
  ];

  protected override render() {
    const busy = this.sending.length > 0;
    return html`${this.files.length > 0 || busy
        ? html`<ul aria-label="Files to send">
            ${this.sending.map(
              (f, index) => html`<li>
                <span class="name">${f.name}</span><span class="size">${sizeText(f.size)}</span>
                ${this.preparing?.file === f
                  ? html`<span class="busy" role="progressbar" aria-label=${`Encrypting ${f.name}`} aria-valuemin="0" aria-valuemax="100" aria-valuenow=${this.preparing.percent}>Encrypting… ${this.preparing.percent}%</span>`
                  : index === 0
                    ? html`<span class="busy" role="status">Encrypting…</span>`
                    : html`<span class="busy">Waiting</span>`}
              </li>`,
            )}
            ${this.files.map(
              (f, index) => html`<li>
                <span class="name">${f.name}</span><span class="size">${sizeText(f.size)}</span>
                <button type="button" class="secondary remove" aria-label=${`Remove ${f.name}`} ?disabled=${busy} @click=${() => this.emit('parley-remove-attachment', { index })}>✕</button>
              </li>`,
            )}
          </ul>`
        : nothing}
      ${this.problem ? html`<p class="problem" role="alert">${this.problem}</p>` : nothing}`;
  }

  private emit<T>(type: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
  }
}

customElements.define('parley-attachments', Attachments);
