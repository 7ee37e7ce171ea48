/**
 * `<parley-settings>`: the profile (profile-settings.ts), read receipts (privacy-settings.ts), notifications for this device — turn them on, and choose whether
 * they show the sender and a preview (decrypted on this device) or just "New message" — and
 * media storage (media-settings.ts).
 */
import { LitElement, css, html, nothing } from 'lit';
import type { NotificationStatus, PwaController } from '../../pwa/pwa-controller.js';
import { pwaContext } from '../context.js';
import { observeContext } from '../controllers/observable-controller.js';
import { PUSH_FAILURE_TEXT } from '../error-text.js';
import '../components/view-header.js';
import { controls, themeTokens } from '../styles/theme.js';
import type { ClientFiles } from '../../client/files/client-files.js';
import './media-settings.js';
import './profile-settings.js';
import './privacy-settings.js';

const STATUS_TEXT: Record<NotificationStatus, string> = {
  unsupported: 'This browser cannot show notifications.',
  default: 'Notifications are off.',
  granted: 'Notifications are allowed.',
  denied: 'Notifications are blocked in the browser settings for this site.',
  subscribed: 'Notifications are on: new messages wake this device.',
  unavailable: 'Notifications are allowed, but no push service is reachable from this browser.',
};

export class SettingsView extends LitElement {
  static override properties = { files: { attribute: false } };
  /** Files of this device, for the media section. */
  declare files: ClientFiles | undefined;
  private readonly pwaRef = observeContext<PwaController>(this, pwaContext);

  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: block;
        padding: 1rem 1.25rem;
      }
      .hint {
        margin: 0;
        color: var(--pl-muted);
        font-size: 0.85rem;
      }
      label {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        margin: 0.75rem 0;
      }
    `,
  ];

  protected override render() {
    const pwa = this.pwaRef.value;
    const media = html`<parley-media-settings .files=${this.files}></parley-media-settings>`;
    const profile = html`<parley-profile-settings></parley-profile-settings><parley-privacy-settings></parley-privacy-settings>`;
    if (!pwa) return html`<parley-view-header heading="Settings"></parley-view-header>${profile}<p>Notifications are not available here.</p>${media}`;
    const status = pwa.notifications;
    return html`<parley-view-header heading="Settings"></parley-view-header>
      ${profile}
      <section aria-labelledby="notifications">
        <h2 id="notifications">Notifications</h2>
        <p role="status">${STATUS_TEXT[status]} ${pwa.notificationDetail ? html`(${PUSH_FAILURE_TEXT[pwa.notificationDetail]})` : nothing}</p>
        ${status === 'default' || status === 'granted' || status === 'unavailable'
          ? html`<button type="button" @click=${() => pwa.enableNotifications()}>Enable notifications</button>`
          : nothing}
        <label>
          <input type="checkbox" aria-describedby="previews-hint" .checked=${pwa.previews} ?disabled=${status !== 'subscribed'}
            @change=${(e: Event) => pwa.setPreviews((e.target as HTMLInputElement).checked)} />
          Show sender and message preview in notifications
        </label>
        ${status !== 'subscribed' ? html`<p class="hint" id="previews-hint">Turn notifications on to choose what they show.</p>` : nothing}
      </section>
      ${media}`;
  }
}

customElements.define('parley-settings', SettingsView);
