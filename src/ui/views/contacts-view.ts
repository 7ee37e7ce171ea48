/**
 * `<parley-contacts>`: my contact link (text and QR code), adding someone by their link,
 * incoming requests to accept or block, and the contact list.
 */
import { css, html, nothing } from 'lit';
import type { ParleyClient } from '../../client/parley-client.js';
import type { ContactRecord } from '../../client/self-session.js';
import type { IdentityId } from '../../core/identity/keys.js';
import '../components/qr-code.js';
import '../components/view-header.js';
import { contactHref, conversationHref } from '../routes.js';
import { presenceText } from '../presence-text.js';
import { paneList, paneScreen } from '../styles/layout.js';
import { controls, themeTokens } from '../styles/theme.js';
import { ClientView } from './client-view.js';

const STATE_TEXT: Record<ContactRecord['state'], (name: string) => string> = {
  incoming: (n) => `${n} wants to chat with you`,
  outgoing: (n) => `Request sent — waiting for ${n} to accept`,
  accepted: () => 'Contact',
  blocked: () => 'Blocked',
};

export class ContactsView extends ClientView {
  static override properties = { showLink: { state: true }, notice: { state: true } };
  declare showLink: boolean;
  declare notice: string;


  constructor() {
    super();
    this.showLink = false;
    this.notice = '';
  }


  static override styles = [
    themeTokens,
    controls,
    paneScreen,
    paneList,
    css`
      section {
        margin-bottom: 1.5rem;
      }
      h2 {
        font-size: 1rem;
        margin: 0 0 0.5rem;
      }
      .row {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: wrap;
      }
      .row input {
        flex: 1 1 12rem;
        min-width: 0;
      }
      ul {
        margin: 0;
      }
      .name {
        font-weight: 600;
        min-width: 0;
        overflow-wrap: anywhere;
      }
      .state {
        color: var(--pl-muted);
        font-size: 0.85rem;
        flex: 1;
      }
      .badge {
        font-size: 0.75rem;
        color: var(--pl-ok);
        border: 1px solid currentColor;
        border-radius: 999px;
        padding: 0 0.45rem;
      }
      .warning {
        color: var(--pl-danger);
        font-weight: 600;
      }
      .hint {
        color: var(--pl-muted);
        font-size: 0.85rem;
      }
    `,
  ];

  protected override render() {
    const client = this.client;
    if (!client?.account) return nothing;
    const contacts = client.contacts.list();
    const incoming = contacts.filter((c) => c.state === 'incoming');
    const others = contacts.filter((c) => c.state !== 'incoming');
    return html`<parley-view-header heading="Contacts"></parley-view-header>
      <section aria-labelledby="my-link">
        <h2 id="my-link">My contact link</h2>
        <p class="hint">Share it, or let someone scan the QR code. Anyone with it can ask to chat with you.</p>
        ${this.showLink
          ? html`<div class="row">
                <label class="visually-hidden" for="my-link-box">My contact link</label>
                <input id="my-link-box" readonly .value=${client.contacts.link} @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />
                <button type="button" class="secondary" @click=${() => this.copy(client.contacts.link)}>Copy</button>
              </div>
              <parley-qr .text=${client.contacts.link} label="QR code of my contact link"></parley-qr>`
          : html`<button type="button" @click=${() => (this.showLink = true)}>Show my contact link</button>`}
      </section>
      <section aria-labelledby="add">
        <h2 id="add">Add contact</h2>
        <form class="row" @submit=${this.add}>
          <label class="visually-hidden" for="contact-link">Contact link</label>
          <input id="contact-link" placeholder="Paste a contact link" autocomplete="off" required />
          <button type="submit" ?disabled=${this.action.busy}>Add contact</button>
        </form>
        ${this.renderSameName(client)}
        ${this.action.alert()}
        ${this.notice ? html`<p class="hint" aria-live="polite">${this.notice}</p>` : nothing}
      </section>
      ${incoming.length > 0
        ? html`<section aria-labelledby="requests">
            <h2 id="requests">Requests</h2>
            <ul>
              ${incoming.map(
                (c) => html`<li>
                  <span class="name">${c.name}</span>
                  <span class="state">${STATE_TEXT[c.state](c.name)}</span>
                  ${c.sameNameAs ? html`<span class="warning" role="alert">Warning: this is not the ${c.name} you know — a different key.</span>` : nothing}
                  <button type="button" aria-label=${`Accept ${c.name}`} @click=${() => this.accept(c.identity.sign)}>Accept</button>
                  <button type="button" class="secondary" aria-label=${`Block ${c.name}`} @click=${() => this.block(c.identity.sign)}>Block</button>
                </li>`,
              )}
            </ul>
          </section>`
        : nothing}
      <section aria-labelledby="list">
        <h2 id="list">Your contacts</h2>
        ${others.length === 0 ? html`<p class="hint">No contacts yet.</p>` : nothing}
        <ul>
          ${others.map(
            (c) => html`<li>
              <a class="name" href=${contactHref(c.identity.sign)}>${c.name}</a>
              ${c.verified ? html`<span class="badge">Verified</span>` : nothing}
              <span class="state">${c.state === 'accepted' && c.topic ? presenceText(client.presenceOf(c.topic, c.identity.sign)) : STATE_TEXT[c.state](c.name)}</span>
              ${c.sameNameAs && !c.verified ? html`<span class="warning">Not the same person as your other ${c.name}</span>` : nothing}
              ${c.topic && c.state !== 'blocked' ? html`<a href=${conversationHref(c.topic)} aria-label=${`Chat with ${c.name}`}>Chat</a>` : nothing}
            </li>`,
          )}
        </ul>
      </section>`;
  }

  /** An add that stopped because a contact already has that name: ask before going on. */
  private renderSameName(client: ParleyClient) {
    const question = client.contacts.sameNamePending();
    if (!question) return nothing;
    const known = client.contacts.get(question.existing)?.name ?? question.name;
    return html`<div role="alertdialog" aria-labelledby="same-name-title" aria-describedby="same-name-text">
      <p id="same-name-title" class="warning">You already have a contact called ${known}.</p>
      <p id="same-name-text">
        This link is from someone else who calls themselves ${question.name}. Add them as a second contact? If you expected your
        ${known}, compare safety numbers first.
      </p>
      <div class="row">
        <button type="button" @click=${() => this.confirmSameName()}>Add anyway</button>
        <button type="button" class="secondary" @click=${() => client.contacts.cancelSameName()}>Cancel</button>
      </div>
    </div>`;
  }

  private async confirmSameName(): Promise<void> {
    await this.run(async (client) => {
      const contact = await client.contacts.confirmSameName();
      this.notice = `Request sent to ${contact.name}.`;
    });
  }

  private async copy(text: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      this.notice = 'Link copied.';
    } catch {
      this.notice = 'Copying is blocked here. Select the link in the box and copy it.';
    }
  }

  private readonly add = async (event: Event): Promise<void> => {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#contact-link');
    await this.run(async (client) => {
      const result = await client.contacts.add(input?.value ?? '');
      if (input) input.value = '';
      if (result.kind === 'same-name') return; // the question is shown until answered
      const contact = result.contact;
      this.notice = contact.state === 'accepted' ? `${contact.name} is already a contact.` : `Request sent to ${contact.name}.`;
    });
  };

  private async accept(identity: IdentityId): Promise<void> {
    await this.run(async (client) => {
      const contact = await client.contacts.accept(identity);
      if (contact.topic) location.hash = conversationHref(contact.topic);
    });
  }

  private async block(identity: IdentityId): Promise<void> {
    await this.run((client) => client.contacts.block(identity));
  }

  /** Runs an action on the client, replacing any earlier notice. */
  private run(action: (client: ParleyClient) => Promise<unknown>): Promise<boolean> {
    const client = this.client;
    if (!client) return Promise.resolve(false);
    this.notice = '';
    return this.action.run(() => action(client));
  }

}

customElements.define('parley-contacts', ContactsView);
