/**
 * `<parley-onboarding>`: first launch. The name is stored on this device only (IndexedDB);
 * it reaches other people inside encrypted conversations, never the server.
 */
import { ContextConsumer } from '@lit/context';
import { LitElement, css, html, nothing } from 'lit';
import type { ParleyClient } from '../../client/parley-client.js';
import { MAX_NAME } from '../../core/events.js';
import { clientContext } from '../context.js';
import { controls, themeTokens } from '../styles/theme.js';

export class OnboardingView extends LitElement {
  static override properties = { error: { state: true }, busy: { state: true } };
  declare error: string;
  declare busy: boolean;
  private readonly clientCtx = new ContextConsumer(this, { context: clientContext, subscribe: true });

  constructor() {
    super();
    this.error = '';
    this.busy = false;
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
    `,
  ];

  protected override render() {
    return html`<form @submit=${this.onSubmit} aria-labelledby="welcome">
      <h1 id="welcome">Welcome to Parley</h1>
      <p>Private conversations, device to device. Pick the name others will see.</p>
      <label for="name">Your name</label>
      <input id="name" name="name" autocomplete="nickname" maxlength=${MAX_NAME} required ?disabled=${this.busy} />
      <button type="submit" ?disabled=${this.busy}>Start</button>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
    </form>`;
  }

  private readonly onSubmit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const input = this.renderRoot.querySelector('input')!;
    if (!this.client) return;
    this.busy = true;
    this.error = '';
    try {
      await this.client.register(input.value);
    } catch (error) {
      this.error = (error as Error).message;
    } finally {
      this.busy = false;
    }
  };
}

customElements.define('parley-onboarding', OnboardingView);
