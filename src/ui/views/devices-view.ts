/**
 * `<parley-devices>`: this user's devices. "Link a device" shows a one-time link and QR
 * code for a new device; "Remove" (after a confirmation) revokes a device's certificate
 * so peers stop accepting it and every conversation moves to keys it does not get; each
 * device can be given a name.
 */
import { css, html, nothing } from 'lit';
import type { DeviceLinkOffer } from '../../client/device-link.js';
import type { DeviceId } from '../../core/ids.js';
import '../components/qr-code.js';
import '../components/view-header.js';
import { paneList, paneScreen } from '../styles/layout.js';
import { controls, themeTokens } from '../styles/theme.js';
import { ClientView } from './client-view.js';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export class DevicesView extends ClientView {
  static override properties = { offer: { state: true }, status: { state: true }, confirming: { state: true }, renaming: { state: true } };
  declare offer: DeviceLinkOffer | null;
  declare status: string;
  /** A device whose removal waits for confirmation. */
  declare confirming: { id: DeviceId; label: string } | null;
  /** A device whose name is being edited. */
  declare renaming: DeviceId | null;


  constructor() {
    super();
    this.offer = null;
    this.status = '';
    this.confirming = null;
    this.renaming = null;
  }


  static override styles = [
    themeTokens,
    controls,
    paneScreen,
    paneList,
    css`
      .label {
        font-weight: 600;
        flex: 1 1 10rem;
        min-width: 0;
        overflow-wrap: anywhere;
      }
      h2 {
        font-size: 1rem;
      }
      .muted {
        color: var(--pl-muted);
        font-size: 0.85rem;
      }
      .row {
        display: flex;
        gap: 0.5rem;
      }
      .row input {
        flex: 1;
        min-width: 0;
      }
      .code {
        font-size: 1.6rem;
        letter-spacing: 0.1em;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  override disconnectedCallback(): void {
    this.offer?.close();
    super.disconnectedCallback();
  }

  protected override render() {
    const client = this.client;
    if (!client?.account) return nothing;
    const devices = client.devices();
    if (client.deviceRemoved) {
      return html`<parley-view-header heading="Devices"></parley-view-header>
        <p role="alert">This device was removed from your account. It no longer sends or receives messages.</p>`;
    }
    return html`<parley-view-header heading="Devices"></parley-view-header>
      ${this.confirming
        ? html`<div role="alertdialog" aria-label=${`Remove ${this.confirming.label}`}>
            <p>Remove ${this.confirming.label}? It will stop receiving messages, and your contacts will refuse anything it sends.</p>
            <button type="button" class="danger" ?disabled=${this.action.busy} @click=${() => this.removeDevice(this.confirming!.id)}>Remove</button>
            <button type="button" class="secondary" @click=${() => (this.confirming = null)}>Cancel</button>
          </div>`
        : nothing}
      <ul aria-label="Your devices">
        ${devices.map(
          (d) => html`<li>
            ${this.renaming === d.id
              ? html`<form class="row label" @submit=${(e: Event) => this.saveName(e, d.id)}>
                  <label class="visually-hidden" for="device-name">Device name</label>
                  <input id="device-name" maxlength="80" .value=${d.label} />
                  <button type="submit">Save</button>
                </form>`
              : html`<span class="label">${d.label}${d.current ? ' (this device)' : ''}</span>`}
            <span class="muted">${d.revoked ? 'Removed' : `Since ${dateFormat.format(d.since)}`}</span>
            ${!d.revoked && this.renaming !== d.id
              ? html`<button type="button" class="secondary" aria-label=${`Rename ${d.label}`} @click=${() => (this.renaming = d.id)}>Rename</button>`
              : nothing}
            ${!d.current && !d.revoked && client.account?.identityKeys
              ? html`<button type="button" class="secondary" aria-label=${`Remove ${d.label}`} @click=${() => (this.confirming = { id: d.id, label: d.label })}>Remove</button>`
              : nothing}
          </li>`,
        )}
      </ul>
      <h2>Link a device</h2>
      ${this.offer
        ? this.offer.asking
          ? html`<section aria-label="A device asks to join">
              <p>A device asks to join your account: <strong>${this.offer.asking.label}</strong>.</p>
              <p>Link it only if the new device shows this code:</p>
              <p class="code" aria-label="Link code">${this.offer.asking.code}</p>
              <div class="row">
                <button type="button" @click=${this.confirmLink}>Link ${this.offer.asking.label}</button>
                <button type="button" class="secondary" @click=${this.refuseLink}>Refuse</button>
              </div>
            </section>`
          : html`<p>Open this link on the new device, or scan the code. It works once, for five minutes.</p>
            <div class="row">
              <label class="visually-hidden" for="device-link">Device link</label>
              <input id="device-link" readonly .value=${this.offer.url} @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />
            </div>
            <parley-qr .text=${this.offer.url} label="QR code of the device link"></parley-qr>`
        : html`<button type="button" @click=${this.link}>Link a device</button>`}
      <p role="status">${this.status}</p>
      ${this.action.alert()}`;
  }

  private readonly confirmLink = (): Promise<boolean> => this.action.run(async () => this.offer?.confirm());

  private readonly refuseLink = (): void => this.offer?.refuse();

  private readonly link = (): Promise<boolean> =>
    this.action.run(async () => {
      const client = this.client;
      if (!client) return;
      const offer = await client.offerDeviceLink();
      offer.on('linked', (_device, label) => {
        this.offer = null;
        this.status = `Linked ${label}.`;
      });
      offer.on('expired', () => {
        this.offer = null;
        this.status = 'The device link expired.';
      });
      // Nothing is granted until the user compares the codes and confirms.
      offer.on('asked', () => this.requestUpdate());
      offer.on('refused', () => {
        this.offer = null;
        this.status = 'The device was refused. The link no longer works.';
      });
      this.offer = offer;
      this.status = 'Waiting for the new device…';
    });

  private async removeDevice(device: DeviceId): Promise<void> {
    if (await this.action.run(() => this.client?.revokeDevice(device))) {
      this.confirming = null;
      this.status = 'Device removed. Your contacts no longer accept it.';
    }
  }

  private async saveName(event: Event, device: DeviceId): Promise<void> {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#device-name');
    if (await this.action.run(() => this.client?.renameDevice(device, input?.value ?? ''))) this.renaming = null;
  }

}

customElements.define('parley-devices', DevicesView);
