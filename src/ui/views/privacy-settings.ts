/**
 * `<parley-privacy-settings>`: the Settings section for read receipts. Off, this user's
 * devices send none and show nobody else's (Signal's rule); delivery receipts stay. The
 * choice is kept in the self doc, so every device of the user follows it.
 */
import { css, html, nothing } from 'lit';
import { controls, themeTokens } from '../styles/theme.js';
import { ClientView } from './client-view.js';

export class PrivacySettings extends ClientView {

  static override styles = [
    themeTokens,
    controls,
    css`
      label {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        margin: 0.75rem 0 0.25rem;
      }
      .hint {
        margin: 0;
        color: var(--pl-muted);
        font-size: 0.85rem;
      }
    `,
  ];

  protected override render() {
    const client = this.clientRef.value;
    if (!client?.account) return nothing;
    return html`<section aria-labelledby="privacy">
      <h2 id="privacy">Privacy</h2>
      <label>
        <input type="checkbox" aria-describedby="receipts-hint" .checked=${client.readReceipts} ?disabled=${this.action.busy}
          @change=${(e: Event) => this.action.run(() => client.setReadReceipts((e.target as HTMLInputElement).checked))} />
        Send read receipts
      </label>
      <p class="hint" id="receipts-hint">When this is off, others do not see when you have read their messages, and you do not see when they have read yours.</p>
      ${this.action.alert()}
    </section>`;
  }
}

customElements.define('parley-privacy-settings', PrivacySettings);
