/**
 * `<parley-onboarding>`: first launch. The name is stored on this device only (IndexedDB);
 * it reaches other people inside encrypted conversations, never the server.
 */
import { ContextConsumer } from '@lit/context';
import { LitElement, css, html, nothing } from 'lit';
import type { ParleyClient } from '../../client/parley-client.js';
import { MAX_NAME } from '../../core/events.js';
import { resizeAvatar } from '../avatar-image.js';
import { clientContext } from '../context.js';
import { controls, themeTokens } from '../styles/theme.js';

export class OnboardingView extends LitElement {
  static override properties = { error: { state: true }, busy: { state: true }, avatar: { state: true } };
  declare error: string;
  declare busy: boolean;
  /** Resized avatar as a data: URL, once chosen. */
  declare avatar: string;
  private readonly clientCtx = new ContextConsumer(this, { context: clientContext, subscribe: true });

  constructor() {
    super();
    this.error = '';
    this.busy = false;
    this.avatar = '';
  }

  private get client(): ParleyClient | undefined {
    return this.clientCtx.value;
  }

  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: grid;
        place-items: center;
        min-height: 100%;
        padding: 1.5rem;
        box-sizing: border-box;
      }
      form {
        display: grid;
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
      .error {
        color: var(--pl-danger);
      }
      .avatar-row {
        display: flex;
        gap: 0.75rem;
        align-items: center;
      }
      .avatar {
        width: 3rem;
        height: 3rem;
        border-radius: 50%;
      }
    `,
  ];

  protected override render() {
    return html`<form @submit=${this.onSubmit} aria-labelledby="welcome">
      <h1 id="welcome">Welcome to Parley</h1>
      <p>Private conversations, device to device. Pick the name others will see.</p>
      <label for="name">Your name</label>
      <input id="name" name="name" autocomplete="nickname" maxlength=${MAX_NAME} required ?disabled=${this.busy} />
      <label for="avatar">Avatar (optional)</label>
      <div class="avatar-row">
        ${this.avatar ? html`<img class="avatar" src=${this.avatar} alt="Your avatar" />` : nothing}
        <input id="avatar" type="file" accept="image/*" ?disabled=${this.busy} @change=${this.onAvatar} />
      </div>
      <button type="submit" ?disabled=${this.busy}>Start</button>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
    </form>`;
  }

  private readonly onAvatar = async (event: Event): Promise<void> => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (!file) return;
    this.error = '';
    try {
      this.avatar = await resizeAvatar(file);
    } catch (error) {
      this.error = (error as Error).message;
    }
  };

  private readonly onSubmit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#name')!;
    if (!this.client) return;
    this.busy = true;
    this.error = '';
    try {
      await this.client.register(input.value, this.avatar || undefined);
    } catch (error) {
      this.error = (error as Error).message;
    } finally {
      this.busy = false;
    }
  };
}

customElements.define('parley-onboarding', OnboardingView);
