/**
 * `<parley-link-device>`: a new device opened a device link. It asks the account's other
 * device to certify it and shows progress until everything is synced in.
 */
import { ContextConsumer } from '@lit/context';
import { LitElement, css, html, nothing } from 'lit';
import type { ParleyClient } from '../../client/parley-client.js';
import { clientContext } from '../context.js';
import { controls, themeTokens } from '../styles/theme.js';

export class LinkDeviceView extends LitElement {
  static override properties = { link: { attribute: false }, state: { state: true }, error: { state: true } };
  declare link: string;
  declare state: 'idle' | 'linking' | 'done';
  declare error: string;
  private readonly clientCtx = new ContextConsumer(this, { context: clientContext, subscribe: true });

  constructor() {
    super();
    this.link = '';
    this.state = 'idle';
    this.error = '';
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
      div {
        display: grid;
        gap: 0.75rem;
        width: min(26rem, 100%);
      }
      .error {
        color: var(--pl-danger);
      }
    `,
  ];

  protected override render() {
    return html`<div>
      <h1>Link this device</h1>
      <p>This device will join your account. Keep the other device open with its device link showing.</p>
      <button type="button" ?disabled=${this.state !== 'idle'} @click=${this.start}>Link this device</button>
      <p role="status">${this.state === 'linking' ? 'Linking… waiting for your other device.' : this.state === 'done' ? 'Linked.' : ''}</p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
    </div>`;
  }

  private readonly start = async (): Promise<void> => {
    const client: ParleyClient | undefined = this.clientCtx.value;
    if (!client) return;
    this.state = 'linking';
    this.error = '';
    try {
      await client.linkThisDevice(this.link);
      this.state = 'done';
      this.dispatchEvent(new CustomEvent('parley-linked', { bubbles: true, composed: true }));
    } catch (error) {
      this.state = 'idle';
      this.error = (error as Error).message;
    }
  };
}

customElements.define('parley-link-device', LinkDeviceView);
