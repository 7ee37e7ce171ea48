/**
 * `<parley-profile-settings>`: the Settings section to change the display name and avatar
 * after first launch. The picture is resized on this device (avatar-image.ts) and nothing is
 * stored until Save; the change reaches the user's other devices and every conversation
 * from then on (src/client/profile.ts).
 */
import { css, html, nothing } from 'lit';
import { MAX_NAME } from '../../core/events.js';
import { resizeAvatar } from '../avatar-image.js';
import { avatarPicker, controls, themeTokens } from '../styles/theme.js';
import { ClientView } from './client-view.js';

export class ProfileSettings extends ClientView {
  static override properties = { avatar: { state: true }, saved: { state: true } };
  /** The avatar chosen but not saved yet: a data: URL, null to remove it, undefined for no change. */
  declare avatar: string | null | undefined;
  /** The last save succeeded (until the form is edited again). */
  declare saved: boolean;

  constructor() {
    super();
    this.avatar = undefined;
    this.saved = false;
  }

  static override styles = [
    themeTokens,
    controls,
    avatarPicker,
    css`
      form {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: 0.6rem;
        max-width: 24rem;
      }
      input {
        min-width: 0;
      }
      .actions {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
      p[role='status'] {
        margin: 0;
      }
      .hint {
        margin: 0;
        color: var(--pl-muted);
        font-size: 0.85rem;
      }
    `,
  ];

  protected override render() {
    const account = this.clientRef.value?.account;
    if (!account) return nothing;
    const shown = this.avatar === undefined ? account.avatar : (this.avatar ?? undefined);
    return html`<section aria-labelledby="profile">
      <h2 id="profile">Profile</h2>
      <form @submit=${this.onSubmit} @input=${() => (this.saved = false)} aria-labelledby="profile">
        <label for="profile-name">Your name</label>
        <input id="profile-name" name="name" autocomplete="nickname" maxlength=${MAX_NAME} .value=${account.name} ?disabled=${this.action.busy} />
        <label for="profile-avatar">Avatar</label>
        <div class="avatar-row">
          ${shown ? html`<img class="avatar" src=${shown} alt="Your avatar" />` : nothing}
          <input id="profile-avatar" type="file" accept="image/*" ?disabled=${this.action.busy} @change=${this.onAvatar} />
          ${shown ? html`<button type="button" class="secondary" ?disabled=${this.action.busy} @click=${this.onRemoveAvatar}>Remove avatar</button>` : nothing}
        </div>
        <p class="hint">Others see the new name and avatar from now on; earlier messages keep the name they were sent with.</p>
        <div class="actions"><button type="submit" ?disabled=${this.action.busy}>Save profile</button></div>
        <p role="status">${this.saved ? 'Profile saved.' : nothing}</p>
        ${this.action.alert()}
      </form>
    </section>`;
  }

  private readonly onAvatar = async (event: Event): Promise<void> => {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    this.saved = false;
    const ok = await this.action.run(async () => (this.avatar = await resizeAvatar(file)));
    // A refused picture is not kept as the choice: Save would store the old avatar.
    if (!ok) input.value = '';
  };

  private readonly onRemoveAvatar = (): void => {
    this.saved = false;
    this.avatar = null;
  };

  private readonly onSubmit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const client = this.clientRef.value;
    if (!client) return;
    const name = this.renderRoot.querySelector<HTMLInputElement>('#profile-name')!.value;
    const change = { name, ...(this.avatar === undefined ? {} : { avatar: this.avatar }) };
    if (await this.action.run(() => client.changeProfile(change))) {
      this.avatar = undefined;
      this.saved = true;
    }
  };
}

customElements.define('parley-profile-settings', ProfileSettings);
