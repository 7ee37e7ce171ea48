/**
 * `<parley-onboarding>`: first launch. The name is stored on this device only (IndexedDB);
 * it reaches other people inside encrypted conversations, never the server.
 */
import { css, html, nothing } from 'lit';
import { MAX_NAME } from '../../core/events.js';
import { resizeAvatar } from '../avatar-image.js';
import { centeredScreen } from '../styles/layout.js';
import { avatarPicker, controls, themeTokens } from '../styles/theme.js';
import { ClientView } from './client-view.js';

export class OnboardingView extends ClientView {
  static override properties = { avatar: { state: true }, invitedBy: { attribute: false } };
  /** The name sealed in the invite link that brought this person here, if any. */
  declare invitedBy: string | null;
  /** Resized avatar as a data: URL, once chosen. */
  declare avatar: string;

  constructor() {
    super();
    this.avatar = '';
    this.invitedBy = null;
  }

  static override styles = [
    themeTokens,
    controls,
    avatarPicker,
    centeredScreen,
    css`
      .invited {
        color: var(--pl-text);
        font-weight: 600;
      }
      input {
        min-width: 0;
      }
      form {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: 0.75rem;
        width: min(24rem, 100%);
      }
      h1 {
        margin: 0;
        font-size: 1.6rem;
      }
      p {
        margin: 0;
        color: var(--pl-muted);
      }
    `,
  ];

  protected override render() {
    return html`<main><form @submit=${this.onSubmit} aria-labelledby="welcome">
      ${this.invitedBy ? html`<p class="invited">${this.invitedBy} invited you to a conversation.</p>` : nothing}
      <h1 id="welcome">Welcome to Parley</h1>
      <p>Private conversations, device to device. Pick the name others will see.</p>
      <label for="name">Your name</label>
      <input id="name" name="name" autocomplete="nickname" maxlength=${MAX_NAME} required ?disabled=${this.action.busy} />
      <label for="avatar">Avatar (optional)</label>
      <div class="avatar-row">
        ${this.avatar ? html`<img class="avatar" src=${this.avatar} alt="Your avatar" />` : nothing}
        <input id="avatar" type="file" accept="image/*" ?disabled=${this.action.busy} @change=${this.onAvatar} />
      </div>
      <button type="submit" ?disabled=${this.action.busy}>Start</button>
      ${this.action.alert()}
    </form></main>`;
  }

  private readonly onAvatar = async (event: Event): Promise<void> => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (!file) return;
    await this.action.run(async () => (this.avatar = await resizeAvatar(file)));
  };

  private readonly onSubmit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#name')!;
    const client = this.clientRef.value;
    if (!client) return;
    await this.action.run(() => client.register(input.value, this.avatar || undefined));
  };
}

customElements.define('parley-onboarding', OnboardingView);
