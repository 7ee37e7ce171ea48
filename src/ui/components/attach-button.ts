/**
 * `<parley-attach-button>`: the Attach control beside the message box, an icon over the
 * browser's file input (the input covers it, so a click or a tap opens the file chooser, and
 * the input is what assistive technology and tests find by the name "Attach").
 *
 * Events (bubble, composed): `parley-attach` (detail: AttachDetail) when the user picks files.
 */
import { LitElement, css, html } from 'lit';
import { controls, themeTokens } from '../styles/theme.js';

export interface AttachDetail {
  readonly files: File[];
}

export class AttachButton extends LitElement {
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
        display: inline-block;
        background: transparent;
      }
      label {
        position: relative;
        display: inline-flex;
        align-items: center;
        justify-content: center;
        box-sizing: border-box;
        min-width: 2.5rem;
        height: 2.5rem;
        border: 1px solid var(--pl-border);
        border-radius: var(--pl-radius);
        background: var(--pl-surface-2);
        font-size: 1.1rem;
      }
      input {
        position: absolute;
        inset: 0;
        width: 100%;
        height: 100%;
        margin: 0;
        padding: 0;
        opacity: 0;
        cursor: pointer;
      }
      label:focus-within {
        outline: 2px solid var(--pl-focus);
        outline-offset: 2px;
      }
    `,
  ];

  protected override render() {
    return html`<label title="Attach"><span aria-hidden="true">📎</span><input type="file" multiple aria-label="Attach" ?disabled=${this.disabled} @change=${this.onPick} /></label>`;
  }

  private readonly onPick = (event: Event): void => {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length > 0) this.dispatchEvent(new CustomEvent<AttachDetail>('parley-attach', { detail: { files }, bubbles: true, composed: true }));
  };
}

customElements.define('parley-attach-button', AttachButton);
