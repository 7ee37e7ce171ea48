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
import { keyed } from 'lit/directives/keyed.js';
import type { Drafts } from '../client/drafts.js';
import type { ClientFiles } from '../client/files/client-files.js';
import type { ParleyClient } from '../client/parley-client.js';
import { isContactFragment } from '../core/identity/contact-link-fragment.js';
import { isDeviceLinkFragment } from '../core/identity/device-link-fragment.js';
import { isInviteFragment } from '../core/invite.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { readInvite } from '../core/invite-note.js';
import type { PwaController } from '../pwa/pwa-controller.js';
import type { TimelineEntry } from '../core/timeline.js';
import type { Topic } from '../core/ids.js';
import { clientContext, pwaContext } from './context.js';
import { ObservableController } from './controllers/observable-controller.js';
import { errorCode, errorText } from './error-text.js';
import { CONTACTS_HREF, conversationHref, parseRoute } from './routes.js';
import { PHONE_QUERY, phoneScreen } from './styles/layout.js';
import { controls, themeTokens } from './styles/theme.js';
import { LazyParts } from './controllers/lazy-parts.js';
import './views/sidebar-view.js';

/**
 * Views past the first screen (the list of conversations) load on first use, keeping the
 * start-up bundle small (docs/architecture.md §11); their elements upgrade in place once
 * defined. The conversation view, the largest, is fetched as soon as the list is on screen,
 * so opening a conversation rarely waits for it.
 */
const lazyViews = {
  conversation: () => import('./views/conversation-view.js'),
  onboarding: () => import('./views/onboarding-view.js'),
  link: () => import('./views/link-device-view.js'),
  contacts: () => import('./views/contacts-view.js'),
  contact: () => import('./views/contact-detail-view.js'),
  devices: () => import('./views/devices-view.js'),
  settings: () => import('./views/settings-view.js'),
} as const;

export class ParleyApp extends LitElement {
  static override properties = {
    client: { attribute: false },
    pwa: { attribute: false },
    drafts: { attribute: false },
    logger: { attribute: false },
    files: { attribute: false },
    filesFailed: { attribute: false },
    network: { attribute: false },
    route: { state: true },
    invitedBy: { state: true },
    error: { state: true },
    ready: { state: true },
  };
  declare client: ParleyClient | undefined;
  /** PWA services; set by the composition root where the platform has them. */
  declare pwa: PwaController | undefined;
  /** Drafts of unsent messages on this device; set by the composition root. */
  declare drafts: Drafts | undefined;
  /** Where the shell reports its own faults (a lazy view that failed to load); set by the composition root. */
  declare logger: Logger;
  /** Files of this device (sending, fetching); set by the composition root. */
  declare files: ClientFiles | undefined;
  /** The files part failed to load (set by the composition root, which logged why). */
  declare filesFailed: boolean;
  /**
   * The network part (the mesh and the signaling socket), which the composition root loads
   * once the list is on screen: undefined until it starts loading (docs/architecture.md §11).
   */
  declare network: 'loading' | 'ready' | 'failed' | undefined;
  /** Loads the network part again after it failed; set by the composition root. */
  retryNetwork: (() => void) | undefined = undefined;
  declare route: string;
  /** A failure the client reported, shown in the banner until dismissed or the view changes. */
  declare error: unknown;
  /** Who invited this person, from a pending invite link that carries a name. */
  declare invitedBy: string | null;
  /** False until the client has loaded stored state, so onboarding never flashes. */
  declare ready: boolean;
  private readonly provider = new ContextProvider(this, { context: clientContext });
  private readonly pwaProvider = new ContextProvider(this, { context: pwaContext });
  /** A `#join=` or `#contact=` link opened before the user had an account. */
  private pendingLink: { kind: 'invite' | 'contact'; text: string } | null = null;
  /** An invite link whose joining code could not load: the error banner's Try again opens it again. */
  private retryLink: { kind: 'invite' | 'contact'; text: string } | null = null;
  /** A `#link=` device link: this device is joining an existing account. */
  private deviceLink: string | null = null;
  /** The open conversation's read marker as it was when it opened (for "Unread messages"). */
  private readMark: { topic: Topic; upTo: number } | null = null;
  private readonly views = new LazyParts(
    this,
    {
      ...lazyViews,
      // The contact screens need the contact book, which loads after the list (docs/architecture.md §11).
      contacts: () => Promise.all([lazyViews.contacts(), this.client?.loadContacts()]),
      contact: () => Promise.all([lazyViews.contact(), this.client?.loadContacts()]),
    },
    () => this.logger,
  );

  constructor() {
    super();
    this.client = undefined;
    this.pwa = undefined;
    this.drafts = undefined;
    this.logger = silentLogger;
    this.files = undefined;
    this.filesFailed = false;
    this.network = undefined;
    this.route = location.hash;
    this.error = null;
    this.invitedBy = null;
    this.ready = false;
    // Subscriptions live exactly as long as the element is connected.
    new ObservableController(this, () => this.client, {
      changed: () => {
        this.requestUpdate();
        void this.consumeInvite();
      },
      error: (error: Error) => (this.error = error),
      arrived: (topic: Topic, _entry: TimelineEntry, mine: boolean) => {
        const open = parseRoute(this.route);
        const watching = !document.hidden && open.view === 'conversation' && open.id === topic;
        if (!mine && !watching) void this.pwa?.addUnread(topic, 1);
      },
    });
    new ObservableController(this, () => this.pwa);
  }

  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: flex;
        flex-direction: column;
        height: 100%;
      }
      /* Banners take their own height; the layout below shrinks, so the composer stays. */
      .layout {
        display: grid;
        grid-template-columns: minmax(16rem, 22rem) 1fr;
        flex: 1;
        min-height: 0;
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
      .alert p,
      .update p {
        flex: 1;
        min-width: 0;
        margin: 0;
        overflow-wrap: anywhere;
      }
      .notices {
        flex: none;
      }
      .update {
        display: flex;
        gap: 0.75rem;
        align-items: center;
        padding: 0.5rem 1rem;
        background: var(--pl-surface-2);
        border-bottom: 1px solid var(--pl-border);
      }
      .loading {
        display: grid;
        place-items: center;
        height: 100%;
        color: var(--pl-muted);
      }
      .layout.single {
        grid-template-columns: minmax(0, 1fr);
      }
      /*
       * One column by the stylesheet too, not only by the template: when the window narrows,
       * the page is laid out at the new width before matchMedia's 'change' re-renders the
       * template with .single, and the desktop columns (16rem at least, then the home
       * placeholder) reached 525 px on a 360 px screen in that layout.
       */
      @media ${phoneScreen} {
        .layout {
          grid-template-columns: minmax(0, 1fr);
        }
      }
      .layout.single parley-sidebar {
        flex: 1;
        border-right: 0;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHashChange);
    window.addEventListener('pagehide', this.onPageHide);
    this.narrow.addEventListener('change', this.onNarrow);
    document.addEventListener('visibilitychange', this.onVisibility);
    this.onHashChange();
  }

  override disconnectedCallback(): void {
    window.removeEventListener('hashchange', this.onHashChange);
    window.removeEventListener('pagehide', this.onPageHide);
    this.narrow.removeEventListener('change', this.onNarrow);
    document.removeEventListener('visibilitychange', this.onVisibility);
    super.disconnectedCallback();
  }

  /** Called by the composition root once the client has loaded stored state. */
  markReady(): void {
    this.ready = true;
    this.noteViewing();
    void this.consumeInvite();
  }

  protected override willUpdate(): void {
    // Only hands values down; anything that writes to storage runs from events (noteViewing).
    if (this.pwa && this.pwaProvider.value !== this.pwa) this.pwaProvider.setValue(this.pwa);
    if (this.client && this.provider.value !== this.client) this.provider.setValue(this.client);
  }

  protected override updated(): void {
    // The tab title carries the unread count, like other messengers.
    const unread = this.client?.account ? this.client.list().reduce((n, c) => n + c.unread, 0) : 0;
    document.title = unread > 0 ? `(${unread}) Parley` : 'Parley';
  }

  /**
   * The route or the page's visibility changed: the conversation on a visible page counts
   * as read (on all of this user's devices), and its badge count clears.
   */
  private noteViewing(): void {
    const route = parseRoute(this.route);
    if (route.view === 'conversation') void this.pwa?.clearUnread(route.id);
    if (!this.ready || !this.client) return;
    // Read before this view marks it read, so the conversation can open at the first unread.
    const topic = route.view === 'conversation' ? route.id : null;
    // The client's marker, not the self doc's alone: a page that closed right after a message
    // arrived kept its marker in the page's copy, and the self doc's older one would show
    // messages the reader saw as unread, the list held at the first of them.
    if (topic && this.readMark?.topic !== topic) this.readMark = { topic, upTo: this.client.readUpTo(topic) };
    if (!topic) this.readMark = null;
    this.client.viewing(topic && !document.hidden ? topic : null);
  }

  /**
   * Drafts only: read markers are written by `onVisibility`, since a page going away gets
   * `visibilitychange` to hidden right after `pagehide` (docs/architecture.md §11).
   */
  private readonly onPageHide = (): void => this.drafts?.hide();

  /** Phone-sized screens show one column (the CSS breakpoint, `PHONE_QUERY`). */
  private readonly narrow = matchMedia(PHONE_QUERY);
  private readonly onNarrow = (): void => this.requestUpdate();

  private readonly onVisibility = (): void => {
    // Hidden pages may be discarded without warning: write drafts now.
    if (document.hidden) this.drafts?.hide();
    this.noteViewing();
    this.requestUpdate();
  };

  protected override render() {
    if (!this.client || !this.ready) return html`<main class="loading"><p role="status">Loading Parley…</p></main>`;
    const update = this.pwa?.updateAvailable
      ? html`<div class="update" role="alert">
          <p>Update available: a new version of Parley is ready.</p>
          <button type="button" @click=${() => this.pwa?.applyUpdate()}>Reload</button>
        </div>`
      : nothing;
    const removed = this.client.account && this.client.deviceRemoved
      ? html`<div class="alert" role="alert"><p>This device was removed from your account. It no longer sends or receives messages.</p></div>`
      : nothing;
    const filesFailed = this.filesFailed
      ? html`<div class="alert" role="alert">
          <p>Files could not load: this device cannot send or receive files until Parley is reloaded.</p>
          <button type="button" class="secondary" @click=${() => location.reload()}>Reload</button>
        </div>`
      : nothing;
    // A moment at each start: said to screen readers, not drawn (conversations say Offline).
    const connecting = this.network === 'loading' ? html`<p class="visually-hidden" role="status">Loading the connection…</p>` : nothing;
    const networkFailed =
      this.network === 'failed'
        ? html`<div class="alert" role="alert">
            <p>Could not load the connection: this device cannot reach anyone. Check your connection and try again.</p>
            <button type="button" class="secondary" @click=${() => this.retryNetwork?.()}>Try again</button>
          </div>`
        : nothing;
    // On a contact screen, its own place says so (with Try again).
    const contactsFailed =
      this.client.account && this.client.contactsStatus === 'failed' && !/^contacts?$/.test(parseRoute(this.route).view)
        ? html`<div class="alert" role="alert">
            <p>Could not load your contacts: this device cannot add contacts or receive contact requests. Check your connection and try again.</p>
            <button type="button" class="secondary" @click=${() => void this.client?.loadContacts().catch(() => undefined)}>Try again</button>
          </div>`
        : nothing;
    // Banners live in their own labelled region, above the layout (never over the composer).
    const alert =
      update !== nothing || removed !== nothing || filesFailed !== nothing || networkFailed !== nothing || contactsFailed !== nothing || this.error
        ? html`<section class="notices" aria-label="Notices">
            ${update}${removed}${networkFailed}${contactsFailed}${filesFailed}${this.error
              ? html`<div class="alert" role="alert">
                  <p>${errorText(this.error)}</p>
                  ${this.retryLink && errorCode(this.error) === 'joins-unavailable' ? html`<button type="button" class="secondary" @click=${this.retryJoin}>Try again</button>` : nothing}
                  <button type="button" class="secondary" @click=${() => (this.error = null)}>Dismiss</button>
                </div>`
              : nothing}
          </section>`
        : nothing;
    if (!this.client.account) {
      if (this.deviceLink) return html`${alert}${connecting}${this.views.show('link', 'device linking', html`<parley-link-device .link=${this.deviceLink} @parley-linked=${() => (this.deviceLink = null)}></parley-link-device>`)}`;
      return html`${alert}${connecting}${this.views.show('onboarding', 'the welcome screen', html`<parley-onboarding .invitedBy=${this.invitedBy}></parley-onboarding>`)}`;
    }
    // Fetched once the list is on screen, not when a conversation is first opened.
    this.views.load('conversation');
    const route = parseRoute(this.route);
    const session = route.view === 'conversation' ? this.client.get(route.id) : undefined;
    let main;
    // One element per conversation: scroll position, drafts in progress and menus never
    // carry over into the next conversation.
    if (session) main = this.views.show('conversation', 'the conversation', keyed(session.id, html`<parley-conversation .session=${session} .readUpTo=${this.readMark?.topic === session.id ? this.readMark.upTo : 0} .drafts=${this.drafts} .files=${this.files} ?filesFailed=${this.filesFailed}></parley-conversation>`));
    else if (route.view === 'contacts') main = this.views.show('contacts', 'your contacts', html`<parley-contacts></parley-contacts>`);
    else if (route.view === 'contact') main = this.views.show('contact', 'the contact', html`<parley-contact .identity=${route.identity}></parley-contact>`);
    else if (route.view === 'devices') main = this.views.show('devices', 'your devices', html`<parley-devices></parley-devices>`);
    else if (route.view === 'settings') main = this.views.show('settings', 'settings', html`<parley-settings .files=${this.files}></parley-settings>`);
    else if (this.client.joining().length > 0) main = joiningStatus(this.client.joining()[0]!.status);
    else main = html`<p class="placeholder">Start a new conversation, add a contact, or open an invite link.</p>`;
    const open = route.view !== 'home' && (route.view !== 'conversation' || session !== undefined);
    const sidebar = html`<parley-sidebar .selected=${route.view === 'conversation' ? route.id : null} .route=${route.view}></parley-sidebar>`;
    // A phone shows one column: the list (as the page's main content) or the open view.
    // One template for both widths, so resizing keeps the open view (its scroll position,
    // its draft, its focus) instead of building a new one.
    const single = this.narrow.matches;
    const listOnly = single && !open;
    return html`${alert}${connecting}
      <div class="layout ${single ? 'single' : ''}">
        ${single ? nothing : sidebar}
        <main>${listOnly ? sidebar : main}</main>
      </div>`;
  }

  private readonly onHashChange = (): void => {
    if (isDeviceLinkFragment(location.hash)) {
      this.deviceLink = location.hash;
      history.replaceState(null, '', location.pathname + location.search);
      this.route = '';
      return;
    }
    const kind = isInviteFragment(location.hash) ? 'invite' : isContactFragment(location.hash) ? 'contact' : null;
    if (kind) {
      this.pendingLink = { kind, text: location.hash };
      // Drop the secret from the address bar and history once captured; stay where the
      // person was (the invite opens its conversation once it has been checked).
      history.replaceState(null, '', location.pathname + location.search + this.route);
      if (kind === 'invite') void this.checkInvite(this.pendingLink.text);
      else void this.consumeInvite();
      return;
    }
    if (location.hash !== this.route) this.error = null; // a banner about the last view no longer applies
    this.route = location.hash;
    this.noteViewing();
  };

  /**
   * Reads a pending invite before anything else: who it is from (for the first-launch
   * screen), and whether it opens at all. A link whose secret was altered is dropped with
   * a clear error, before an account or a conversation is made for it.
   */
  private async checkInvite(text: string): Promise<void> {
    try {
      this.invitedBy = (await readInvite(text)).inviter;
    } catch (error) {
      if (this.pendingLink?.text === text) this.pendingLink = null;
      this.invitedBy = null;
      this.error = error;
      return;
    }
    await this.consumeInvite();
  }

  private async consumeInvite(): Promise<void> {
    const link = this.pendingLink;
    if (!link || !this.ready || !this.client?.account) return;
    // A contact link waits for the contact book: after a failed load, for Try again.
    if (link.kind === 'contact' && this.client.contactsStatus === 'failed') return;
    this.pendingLink = null;
    try {
      if (link.kind === 'invite') {
        const session = await this.client.join(link.text);
        location.hash = conversationHref(session.id);
      } else {
        const contacts = await this.client.loadContacts().catch(() => null);
        // Not loaded: the banner says so, and the link is added once Try again loads the book.
        if (!contacts) {
          this.pendingLink ??= link;
          return;
        }
        await contacts.add(link.text);
        location.hash = CONTACTS_HREF;
      }
    } catch (error) {
      this.error = error;
      // The code that asks to join did not load: Try again opens the same link again.
      if (errorCode(error) === 'joins-unavailable') this.retryLink = link;
    }
  }

  private readonly retryJoin = (): void => {
    this.pendingLink = this.retryLink;
    this.retryLink = null;
    this.error = null;
    void this.consumeInvite();
  };
}

/** While an invite is being answered: asking the group, or waiting for an admin. */
function joiningStatus(status: string) {
  const text = status === 'pending' ? 'Waiting for approval. An admin of the group has to let you in.' : 'Asking the group to let you in…';
  return html`<section class="placeholder" aria-label="Joining a group"><p role="status">${text}</p></section>`;
}

customElements.define('parley-app', ParleyApp);

declare global {
  interface HTMLElementTagNameMap {
    'parley-app': ParleyApp;
  }
}
