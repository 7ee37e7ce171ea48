/**
 * `<parley-invite>`: the invite link in a readonly textbox with a Copy button. The secret is
 * in the link's fragment, so the link is the key: the hint says so.
 */
import { LitElement, css, html } from 'lit';
import { controls, themeTokens } from '../styles/theme.js';

export class InviteBox extends LitElement {
  static override properties = { link: { type: String }, feedback: { state: true } };
  declare link: string;
  declare feedback: string;

  constructor() {
    super();
    this.link = '';
    this.feedback = '';
  }

  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: block;
        background: transparent;
      }
      .row {
        display: flex;
        gap: 0.5rem;
        align-items: center;
      }
      input {
        flex: 1;
        min-width: 0;
        font-size: 0.85rem;
      }
      label {
        font-size: 0.8rem;
        color: var(--pl-muted);
      }
      .hint {
        font-size: 0.75rem;
        color: var(--pl-muted);
        margin: 0.25rem 0 0;
      }
    `,
  ];

  protected override render() {
    return html`<label for="invite">Invite link</label>
      <div class="row">
        <input id="invite" type="text" readonly .value=${this.link} @focus=${this.selectAll} />
        <button type="button" class="secondary" @click=${this.copy}>Copy</button>
      </div>
      <p class="hint" aria-live="polite">${this.feedback || 'Anyone with this link can read and write this conversation.'}</p>`;
  }

  private readonly selectAll = (event: Event): void => (event.target as HTMLInputElement).select();

  private readonly copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(this.link);
      this.feedback = 'Link copied.';
    } catch {
      this.renderRoot.querySelector('input')?.select();
      this.feedback = 'Copying is blocked here: the link is selected, press Ctrl+C.';
    }
  };
}

customElements.define('parley-invite', InviteBox);

declare global {
  interface HTMLElementTagNameMap {
    'parley-invite': InviteBox;
  }
}
