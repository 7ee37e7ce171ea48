/**
 * `<parley-view-header>`: the top of a screen other than a conversation — its `h1`, and on
 * phone-sized screens a Back link to the conversation list (or `back`). The heading takes
 * focus when the screen opens, so keyboard and screen-reader users land at its start.
 */
import { LitElement, css, html } from 'lit';
import { backLink } from '../styles/layout.js';
import { themeTokens } from '../styles/theme.js';

export class ViewHeader extends LitElement {
  static override properties = { heading: { type: String }, back: { type: String }, backLabel: { type: String }, always: { type: Boolean } };
  declare heading: string;
  /** Where Back goes (the conversation list by default). */
  declare back: string;
  declare backLabel: string;
  /** Show Back on wide screens too (a sub-screen, e.g. one contact). */
  declare always: boolean;

  constructor() {
    super();
    this.heading = '';
    this.back = '#';
    this.backLabel = 'Back to conversations';
    this.always = false;
  }

  static override styles = [
    themeTokens,
    backLink,
    css`
      :host {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        margin-bottom: 0.75rem;
        min-width: 0;
        background: transparent;
      }
      h1 {
        margin: 0;
        font-size: 1.3rem;
        min-width: 0;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      h1:focus {
        outline: none;
      }
      h1:focus-visible {
        outline: 2px solid var(--pl-focus);
        outline-offset: 2px;
      }
      .back:focus-visible {
        outline: 2px solid var(--pl-focus);
      }
      :host([always]) .back {
        display: inline-block;
      }
    `,
  ];

  protected override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
  }

  protected override render() {
    return html`<a class="back" href=${this.back} aria-label=${this.backLabel}>←</a>
      <h1 tabindex="-1">${this.heading}</h1>`;
  }
}

customElements.define('parley-view-header', ViewHeader);

declare global {
  interface HTMLElementTagNameMap {
    'parley-view-header': ViewHeader;
  }
}
