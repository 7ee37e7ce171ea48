/**
 * `<parley-sidebar>`: the conversation list with each one's newest message, and the
 * "New conversation" and "Join" actions. Selecting navigates by URL fragment (`#/c/<id>`),
 * so Back works and a reload keeps the open conversation.
 */
import { css, html, nothing } from 'lit';
import type { ConversationSummary } from '../../client/parley-client.js';
import type { Topic } from '../../core/ids.js';
import type { PwaController } from '../../pwa/pwa-controller.js';
import { pwaContext } from '../context.js';
import { observeContext } from '../controllers/observable-controller.js';
import { CONTACTS_HREF, DEVICES_HREF, SETTINGS_HREF, conversationHref } from '../routes.js';
import { controls, themeTokens } from '../styles/theme.js';
import { ClientView } from './client-view.js';

const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export class SidebarView extends ClientView {
  static override properties = {
    selected: { attribute: false },
    route: { attribute: false },
    joining: { state: true },
    showArchived: { state: true },
  };
  declare selected: Topic | null;
  /** The current view, to mark the Contacts link as current. */
  declare route: string;
  declare joining: boolean;
  /** The Archived section is open. */
  declare showArchived: boolean;
  private readonly pwaRef = observeContext<PwaController>(this, pwaContext);


  constructor() {
    super();
    this.selected = null;
    this.route = 'home';
    this.joining = false;
    this.showArchived = false;
  }


  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
        min-width: 0;
        background: var(--pl-surface);
      }
      header {
        display: grid;
        gap: 0.6rem;
        padding: 0.75rem;
        border-bottom: 1px solid var(--pl-border);
      }
      .brand {
        display: flex;
        align-items: center;
        gap: 0.5rem;
      }
      h1 {
        flex: 1;
        margin: 0;
        font-size: 1.2rem;
      }
      .brand button {
        padding: 0.3rem 0.7rem;
        font-size: 0.85rem;
      }
      .actions {
        display: flex;
        gap: 0.5rem;
      }
      .actions button {
        flex: 1 1 auto;
        white-space: nowrap;
      }
      form {
        display: grid;
        gap: 0.4rem;
      }
      form input {
        min-width: 0;
      }
      .error {
        margin: 0;
        color: var(--pl-danger);
        overflow-wrap: anywhere;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      nav.sections li + li a {
        border-top: 1px solid var(--pl-border);
      }
      nav.sections {
        border-bottom: 1px solid var(--pl-border);
      }
      nav.sections a {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        padding: 0.55rem 0.9rem;
        color: inherit;
        text-decoration: none;
        font-weight: 600;
      }
      nav.list {
        flex: 1;
        overflow-y: auto;
        min-height: 0;
      }
      nav.list li + li a {
        border-top: 1px solid var(--pl-border);
      }
      nav.list a {
        display: grid;
        grid-template-columns: minmax(0, 1fr) auto;
        gap: 0.1rem 0.5rem;
        padding: 0.6rem 0.9rem;
        color: inherit;
        text-decoration: none;
      }
      a[aria-current='page'] {
        background: var(--pl-surface-2);
      }
      a:focus-visible {
        outline: 2px solid var(--pl-focus);
        outline-offset: -2px;
      }
      .title {
        font-weight: 600;
        min-width: 0;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .when {
        font-size: 0.75rem;
        color: var(--pl-muted);
        white-space: nowrap;
      }
      .last {
        grid-column: 1 / -1;
        min-width: 0;
        font-size: 0.85rem;
        color: var(--pl-muted);
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .count {
        margin-left: auto;
        background: var(--pl-accent);
        color: var(--pl-accent-text);
        border-radius: 999px;
        padding: 0 0.5rem;
        font-size: 0.8rem;
      }
      a .unread {
        grid-column: 2;
        grid-row: 2;
        justify-self: end;
        align-self: center;
      }
      a:has(.unread) .last {
        grid-column: 1;
        font-weight: 600;
        color: inherit;
      }
      .verified {
        color: var(--pl-ok);
      }
      .archived-toggle {
        margin: 0.5rem 1rem;
      }
      .empty {
        margin: 0;
        padding: 1rem;
        color: var(--pl-muted);
      }
    `,
  ];

  protected override render() {
    const all = this.client?.list() ?? [];
    const list = all.filter((c) => !c.archived);
    const archived = all.filter((c) => c.archived);
    const requests = this.pendingRequests();
    const pwa = this.pwaRef.value;
    return html`<header>
        <div class="brand">
          <h1>Parley</h1>
          ${pwa?.canInstall ? html`<button type="button" class="secondary" @click=${() => void pwa.install()}>Install</button>` : nothing}
        </div>
        <div class="actions">
          <button type="button" @click=${this.create} ?disabled=${this.action.busy}>New conversation</button>
          <button type="button" class="secondary" aria-expanded=${this.joining} @click=${() => (this.joining = !this.joining)}>Join</button>
        </div>
        ${this.joining
          ? html`<form @submit=${this.join}>
              <label for="invite">Paste an invite link</label>
              <input id="invite" autocomplete="off" required />
              <button type="submit" ?disabled=${this.action.busy}>Join conversation</button>
            </form>`
          : nothing}
        ${this.action.alert()}
      </header>
      <nav class="sections" aria-label="Sections">
        <ul>
          <li>
            <a href=${CONTACTS_HREF} aria-current=${this.route === 'contacts' || this.route === 'contact' ? 'page' : 'false'}>
              Contacts${requests > 0 ? html` <span class="count" aria-label=${`${requests} requests`}>${requests}</span>` : nothing}
            </a>
          </li>
          <li><a href=${DEVICES_HREF} aria-current=${this.route === 'devices' ? 'page' : 'false'}>Devices</a></li>
          <li><a href=${SETTINGS_HREF} aria-current=${this.route === 'settings' ? 'page' : 'false'}>Settings</a></li>
        </ul>
      </nav>
      <nav class="list" aria-label="Conversations">
        ${all.length === 0 ? html`<p class="empty">No conversations yet.</p>` : nothing}
        <ul>
          ${list.map((c) => this.renderItem(c))}
        </ul>
        ${archived.length > 0
          ? html`<button type="button" class="secondary archived-toggle" aria-expanded=${this.showArchived} @click=${() => (this.showArchived = !this.showArchived)}>
              Archived (${archived.length})
            </button>`
          : nothing}
        ${archived.length > 0 && this.showArchived
          ? html`<ul aria-label="Archived conversations">
              ${archived.map((c) => this.renderItem(c))}
            </ul>`
          : nothing}
      </nav>`;
  }

  private renderItem(c: ConversationSummary) {
    return html`<li>
              <a href=${conversationHref(c.id)} aria-current=${c.id === this.selected ? 'page' : 'false'}>
                <span class="title">${c.title}${c.verified ? html` <span class="verified" title="Verified contact">✓</span>` : nothing}</span>
                <span class="when">${formatWhen(c.lastAt)}</span>
                <span class="last">${c.lastText ? `${c.lastMine ? 'You' : c.lastAuthor}: ${c.lastText}` : 'No messages yet'}</span>
                ${c.unread > 0
                  ? html`<span class="count unread" aria-label=${`${c.unread >= 100 ? 'over 99' : c.unread} unread`}>${c.unread >= 100 ? '99+' : c.unread}</span>`
                  : nothing}
              </a>
            </li>`;
  }

  private pendingRequests(): number {
    const client = this.client;
    return client?.account ? client.contactList().filter((c) => c.state === 'incoming').length : 0;
  }

  private readonly create = async (): Promise<void> => {
    const client = this.client;
    if (!client) return;
    await this.action.run(async () => {
      const session = await client.createConversation();
      location.hash = conversationHref(session.id);
    });
  };

  private readonly join = async (event: Event): Promise<void> => {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#invite');
    const client = this.client;
    if (!client) return;
    await this.action.run(async () => {
      const session = await client.join(input?.value ?? '');
      this.joining = false;
      location.hash = conversationHref(session.id);
    });
  };


}

function formatWhen(at: number): string {
  const d = new Date(at);
  return d.toDateString() === new Date().toDateString() ? timeFormat.format(d) : dayFormat.format(d);
}

customElements.define('parley-sidebar', SidebarView);
