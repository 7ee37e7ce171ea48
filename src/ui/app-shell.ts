/**
 * `<parley-app>`: the app shell. It provides the client to every view (@lit/context),
 * shows onboarding until a name is chosen, then the sidebar and the open conversation.
 * It also handles invite links opened directly: `#join=…` joins once registered.
 *
 * Layout: two columns on wide screens; on a phone-sized viewport one column, showing the
 * list or the open conversation (with a Back link).
 */
import { ContextProvider } from '@lit/context';
import { LitElement, css, html, nothing } from 'lit';
import type { ParleyClient } from '../client/parley-client.js';
import { isInviteFragment } from '../core/invite.js';
import { clientContext } from './context.js';
import { ClientController } from './controllers/client-controller.js';
import { conversationHref, selectedConversation } from './routes.js';
import { controls, themeTokens } from './styles/theme.js';
import './views/conversation-view.js';
import './views/onboarding-view.js';
import './views/sidebar-view.js';

export class ParleyApp extends LitElement {
  static override properties = {
    client: { attribute: false },
    route: { state: true },
    error: { state: true },
    ready: { state: true },
  };
  declare client: ParleyClient | undefined;
  declare route: string;
  declare error: string;
  /** False until the client has loaded stored state, so onboarding never flashes. */
  declare ready: boolean;
  private readonly provider = new ContextProvider(this, { context: clientContext });
  private pendingInvite: string | null = null;

  constructor() {
    super();
    this.client = undefined;
    this.route = location.hash;
    this.error = '';
    this.ready = false;
    new ClientController(this, () => this.client);
  }

  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: block;
        height: 100%;
      }
      .layout {
        display: grid;
        grid-template-columns: minmax(16rem, 22rem) 1fr;
        height: 100%;
      }
      parley-sidebar {
        border-right: 1px solid var(--pl-border);
      }
      main {
        min-width: 0;
        min-height: 0;
        display: flex;
        flex-direction: column;
      }
      .placeholder {
        margin: auto;
        color: var(--pl-muted);
        padding: 2rem;
        text-align: center;
      }
      .alert {
        display: flex;
        gap: 0.75rem;
        align-items: center;
        padding: 0.5rem 1rem;
        background: var(--pl-danger);
        color: var(--pl-bg);
      }
      .alert p {
        flex: 1;
        margin: 0;
      }
      .loading {
        display: grid;
        place-items: center;
        height: 100%;
        color: var(--pl-muted);
      }
      @media (max-width: 700px) {
        .layout {
          grid-template-columns: 1fr;
        }
        .layout.open parley-sidebar {
          display: none;
        }
        .layout:not(.open) main {
          display: none;
        }
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHashChange);
    this.onHashChange();
  }

  override disconnectedCallback(): void {
    window.removeEventListener('hashchange', this.onHashChange);
    super.disconnectedCallback();
  }

  /** Called by the composition root once the client has loaded stored state. */
  markReady(): void {
    this.ready = true;
    void this.consumeInvite();
  }

  protected override willUpdate(): void {
    if (this.client && this.provider.value !== this.client) {
      this.provider.setValue(this.client);
      this.client.on('error', (error) => (this.error = error.message));
      this.client.on('changed', () => void this.consumeInvite());
    }
  }

  protected override render() {
    if (!this.client || !this.ready) return html`<div class="loading" role="status">Loading Parley…</div>`;
    const alert = this.error
      ? html`<div class="alert" role="alert">
          <p>${this.error}</p>
          <button type="button" class="secondary" @click=${() => (this.error = '')}>Dismiss</button>
        </div>`
      : nothing;
    if (!this.client.account) return html`${alert}<parley-onboarding></parley-onboarding>`;
    const selected = selectedConversation(this.route);
    const session = selected ? this.client.get(selected) : undefined;
    return html`${alert}
      <div class="layout ${session ? 'open' : ''}">
        <parley-sidebar .selected=${selected}></parley-sidebar>
        <main>
          ${session
            ? html`<parley-conversation .session=${session}></parley-conversation>`
            : html`<p class="placeholder">Start a new conversation, or open an invite link.</p>`}
        </main>
      </div>`;
  }

  private readonly onHashChange = (): void => {
    if (isInviteFragment(location.hash)) {
      this.pendingInvite = location.hash;
      // Drop the secret from the address bar and history once captured.
      history.replaceState(null, '', location.pathname + location.search);
      this.route = '';
      void this.consumeInvite();
      return;
    }
    this.route = location.hash;
  };

  private async consumeInvite(): Promise<void> {
    const invite = this.pendingInvite;
    if (!invite || !this.ready || !this.client?.account) return;
    this.pendingInvite = null;
    try {
      const session = await this.client.join(invite);
      location.hash = conversationHref(session.id);
    } catch (error) {
      this.error = (error as Error).message;
    }
  }
}

customElements.define('parley-app', ParleyApp);

declare global {
  interface HTMLElementTagNameMap {
    'parley-app': ParleyApp;
  }
}
