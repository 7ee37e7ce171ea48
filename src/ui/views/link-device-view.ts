/**
 * `<parley-link-device>`: a new device opened a device link. It asks the account's other
 * device to certify it and shows progress until everything is synced in.
 */
import { css, html, nothing } from 'lit';
import { centeredScreen } from '../styles/layout.js';
import { controls, themeTokens } from '../styles/theme.js';
import { ClientView } from './client-view.js';

export class LinkDeviceView extends ClientView {
  static override properties = { link: { attribute: false }, state: { state: true }, code: { state: true } };
  declare link: string;
  declare state: 'idle' | 'linking' | 'done';
  /** The code the other device must show too, before it links this one. */
  declare code: string;

  constructor() {
    super();
    this.link = '';
    this.state = 'idle';
    this.code = '';
  }

  static override styles = [
    themeTokens,
    controls,
    centeredScreen,
    css`
      div {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: 0.75rem;
        width: min(26rem, 100%);
      }
      .code {
        font-size: 1.6rem;
        letter-spacing: 0.1em;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  protected override render() {
    return html`<main><div>
      <h1>Link this device</h1>
      <p>This device will join your account. Keep the other device open with its device link showing.</p>
      <button type="button" ?disabled=${this.state !== 'idle'} @click=${this.start}>Link this device</button>
      ${this.state === 'linking' && this.code
        ? html`<p>Your other device will ask you to confirm. Check that it shows this code:</p>
            <p class="code" aria-label="Link code">${this.code}</p>`
        : nothing}
      <p role="status">${this.state === 'linking' ? 'Linking… waiting for your other device.' : this.state === 'done' ? 'Linked.' : ''}</p>
      ${this.action.alert()}
    </div></main>`;
  }

  private readonly start = async (): Promise<void> => {
    const client = this.clientRef.value;
    if (!client) return;
    this.state = 'linking';
    const linked = await this.action.run(() => client.linkThisDevice(this.link, (code) => (this.code = code)));
    this.state = linked ? 'done' : 'idle';
    if (linked) this.dispatchEvent(new CustomEvent('parley-linked', { bubbles: true, composed: true }));
  };
}

customElements.define('parley-link-device', LinkDeviceView);
