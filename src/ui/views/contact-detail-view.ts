/**
 * `<parley-contact>`: one contact — their safety number as digits and QR code, marking
 * them verified, blocking, and a loud warning when their key is not the one first seen.
 */
import { css, html, nothing } from 'lit';
import { until } from 'lit/directives/until.js';
import type { IdentityId } from '../../core/identity/keys.js';
import '../components/qr-code.js';
import '../components/view-header.js';
import { CONTACTS_HREF, conversationHref } from '../routes.js';
import { paneScreen } from '../styles/layout.js';
import { controls, themeTokens } from '../styles/theme.js';
import { ClientView } from './client-view.js';

export class ContactDetailView extends ClientView {
  static override properties = { identity: { attribute: false } };
  declare identity: IdentityId | null;
  /** The safety number asked for and what shows once it is there (`render`). */
  private safety: { readonly number: Promise<string>; readonly shown: Promise<unknown> } | null = null;


  constructor() {
    super();
    this.identity = null;
  }


  static override styles = [
    themeTokens,
    controls,
    paneScreen,
    css`
      h2 {
        margin: 1rem 0 0.5rem;
        font-size: 1rem;
      }
      .digits {
        font-family: ui-monospace, monospace;
        font-size: 1.1rem;
        letter-spacing: 0.05em;
        max-width: 24rem;
        line-height: 1.8;
      }
      .actions {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        margin: 1rem 0;
      }
      .badge {
        color: var(--pl-ok);
        font-weight: 600;
      }
      .warning {
        border: 2px solid var(--pl-danger);
        color: var(--pl-danger);
        padding: 0.75rem;
        border-radius: var(--pl-radius);
        font-weight: 600;
      }
    `,
  ];

  protected override render() {
    const client = this.client;
    const identity = this.identity;
    const contact = client?.account && identity ? client.contacts.get(identity) : null;
    if (!client || !identity || !contact) return html`<p>Unknown contact. <a href=${CONTACTS_HREF}>Back to contacts</a></p>`;
    // Worked out in a worker, a moment; the book hands back the same promise at each render,
    // and `until` keeps what it showed for the same promise.
    const number = client.contacts.safetyNumber(identity);
    if (this.safety?.number !== number) {
      this.safety = {
        number,
        shown: number.then(
          (digits) => html`<p class="digits" aria-labelledby="safety" data-safety-number>${digits}</p>
            <parley-qr .text=${digits.replace(/ /g, '')} label=${`Safety number QR code for ${contact.name}`}></parley-qr>`,
          () => html`<p role="alert">
            Could not work out the safety number.
            <button type="button" class="secondary" @click=${() => this.requestUpdate()}>Try again</button>
          </p>`,
        ),
      };
    }
    return html`<parley-view-header .heading=${contact.name} back=${CONTACTS_HREF} backLabel="Back to contacts" always></parley-view-header>
      ${contact.verified ? html`<p class="badge">✓ Verified</p>` : nothing}
      ${contact.sameNameAs && !contact.verified
        ? html`<p class="warning" role="alert">
            Another of your contacts is also called ${contact.name}. This is a different person (a different key); someone
            may be impersonating them. Compare safety numbers before trusting this contact.
          </p>`
        : nothing}
      <h2 id="safety">Safety number</h2>
      ${until(this.safety.shown, html`<p role="status">Working out the safety number…</p>`)}
      <p>Compare these digits with ${contact.name}, or scan each other's code. If they match, mark them verified.</p>
      <div class="actions">
        <button type="button" aria-pressed=${contact.verified ? 'true' : 'false'} @click=${() => this.action.run(() => client.contacts.setVerified(identity, !contact.verified))}>
          ${contact.verified ? 'Remove verification' : 'Mark as verified'}
        </button>
        ${contact.state === 'blocked'
          ? html`<button type="button" class="secondary" @click=${() => this.action.run(() => client.contacts.unblock(identity))}>Unblock</button>`
          : html`<button type="button" class="secondary" @click=${() => this.action.run(() => client.contacts.block(identity))}>Block</button>`}
        ${contact.topic && contact.state !== 'blocked' ? html`<a href=${conversationHref(contact.topic)}>Open chat</a>` : nothing}
      </div>
      ${this.action.alert()}`;
  }


}

customElements.define('parley-contact', ContactDetailView);
