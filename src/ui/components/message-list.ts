/**
 * `<parley-message-list>`: the conversation log, virtualized so 100k messages cost what
 * the visible ones cost. It is a `role="log"` region, as assistive technology expects for
 * a chat history.
 *
 * Properties in; the reader's requests out as events (`parley-edit`, `parley-delete`,
 * `parley-react`), which the conversation view carries out. It keeps the view pinned to the
 * newest message while the reader is at the bottom, and leaves the scroll alone when they
 * have scrolled up to read history.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import '@lit-labs/virtualizer';
import type { LitVirtualizer } from '@lit-labs/virtualizer';
import { flow } from '@lit-labs/virtualizer/layouts/flow.js';
import type { DeliveryState } from '../../client/delivery.js';
import type { DeviceId, EventId } from '../../core/ids.js';
import type { TimelineEntry } from '../../core/timeline.js';
import { controls, themeTokens } from '../styles/theme.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Statically imported so the first render does not wait for the virtualizer's lazy chunk. */
const LAYOUT = flow();

const DELIVERY_LABEL: Record<DeliveryState, string> = {
  saving: 'Saving…',
  waiting: 'Waiting',
  sent: 'Sent',
  failed: 'Not saved',
};

/** The reactions offered on every message. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂'] as const;

export interface EditDetail {
  readonly id: EventId;
  readonly text: string;
}
export interface MessageDetail {
  readonly id: EventId;
}
export interface ReactDetail {
  readonly id: EventId;
  readonly emoji: string;
}

export class MessageList extends LitElement {
  static override properties = {
    entries: { attribute: false },
    canChange: { attribute: false },
    editing: { state: true },
    confirmingDelete: { state: true },
    isMine: { attribute: false },
    nameOf: { attribute: false },
    avatarOf: { attribute: false },
    deliveryOf: { attribute: false },
    version: { type: Number },
  };

  /** Sorted timeline entries (the timeline's live array). */
  declare entries: readonly TimelineEntry[];
  /** True for devices of this user (any of their linked devices). */
  declare isMine: (device: DeviceId) => boolean;
  /** True for messages this device wrote, which it may edit and delete. */
  declare canChange: (device: DeviceId) => boolean;
  /** The message being edited in place, if any. */
  declare editing: EventId | null;
  /** The message whose deletion waits for confirmation, if any. */
  declare confirmingDelete: EventId | null;
  declare nameOf: (device: DeviceId) => string;
  declare avatarOf: (device: DeviceId) => string | undefined;
  declare deliveryOf: (id: EventId) => DeliveryState;
  /** Bumped by the owner whenever entries or delivery states change. */
  declare version: number;

  /** Follow the newest message. Only the reader's own scrolling turns this off or on. */
  private pinned = true;
  private userScrolling = false;
  private shown: TimelineEntry[] = [];

  constructor() {
    super();
    this.entries = [];
    this.isMine = () => false;
    this.canChange = () => false;
    this.editing = null;
    this.confirmingDelete = null;
    this.nameOf = () => '';
    this.avatarOf = () => undefined;
    this.deliveryOf = () => 'sent';
    this.version = 0;
  }

  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
        background: transparent;
      }
      [role='log'] {
        flex: 1;
        min-height: 0;
        display: flex;
        flex-direction: column;
      }
      lit-virtualizer {
        flex: 1;
        min-height: 0;
        padding: 0.5rem 0;
      }
      article {
        box-sizing: border-box;
        width: 100%;
        padding: 0.3rem 1rem;
      }
      .bubble {
        max-width: min(42rem, 85%);
        background: var(--pl-surface);
        border-radius: var(--pl-radius);
        padding: 0.45rem 0.7rem;
      }
      article.mine .bubble {
        margin-left: auto;
        background: var(--pl-mine);
      }
      header {
        display: flex;
        gap: 0.5rem;
        align-items: baseline;
        font-size: 0.8rem;
        color: var(--pl-muted);
      }
      .author {
        font-weight: 600;
        color: var(--pl-text);
      }
      .avatar {
        width: 1.25rem;
        height: 1.25rem;
        border-radius: 50%;
        align-self: center;
      }
      p {
        margin: 0.15rem 0 0;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      .deleted {
        font-style: italic;
        color: var(--pl-muted);
      }
      .status {
        font-size: 0.75rem;
        color: var(--pl-muted);
        text-align: right;
      }
      .status.failed {
        color: var(--pl-danger);
        font-weight: 600;
      }
      .notice {
        text-align: center;
        font-size: 0.8rem;
        color: var(--pl-muted);
      }
      .tools {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem;
        margin-top: 0.25rem;
        align-items: center;
      }
      .tools button {
        font-size: 0.75rem;
        padding: 0.1rem 0.45rem;
        min-height: 0;
      }
      .tools [role='group'] {
        font-size: 0.85rem;
      }
      .tools:empty {
        display: none;
      }
      /*
       * Actions float over the bubble's corner on hover or keyboard focus, so they cost no
       * height; they stay in the accessibility tree. Touch screens have no hover: there
       * they sit in the flow, always shown.
       */
      .bubble {
        position: relative;
      }
      .actions {
        position: absolute;
        top: -0.55rem;
        right: 0.5rem;
        display: flex;
        gap: 0.2rem;
        padding: 0.15rem;
        background: var(--pl-surface);
        border: 1px solid var(--pl-border);
        border-radius: var(--pl-radius);
        opacity: 0;
      }
      .actions button {
        font-size: 0.75rem;
        padding: 0.1rem 0.45rem;
      }
      article:hover .actions,
      article:focus-within .actions {
        opacity: 1;
      }
      @media (hover: none) {
        .actions {
          position: static;
          margin-top: 0.25rem;
          opacity: 1;
          border: 0;
          background: transparent;
          padding: 0;
        }
      }
      button.danger {
        background: var(--pl-danger);
        color: var(--pl-bg);
      }
      .reaction[aria-pressed='true'] {
        outline: 2px solid var(--pl-accent);
      }
      .edit-form {
        display: grid;
        gap: 0.3rem;
        margin-top: 0.25rem;
      }
      .edit-form textarea {
        font: inherit;
        min-height: 3rem;
        resize: vertical;
      }
      .empty {
        margin: auto;
        color: var(--pl-muted);
        padding: 2rem;
        text-align: center;
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('entries') || changed.has('version') || changed.has('editing') || changed.has('confirmingDelete')) {
      // A fresh array so the virtualizer notices; O(n) pointer copy, cheap next to layout.
      this.shown = this.entries.slice();
    }
  }

  protected override render() {
    return html`<div role="log" aria-label="Messages" aria-live="polite" aria-relevant="additions">
      ${this.shown.length === 0
        ? html`<p class="empty">No messages yet. Say hello!</p>`
        : html`<lit-virtualizer scroller .layout=${LAYOUT} .items=${this.shown} .renderItem=${this.renderEntry}
            @scroll=${this.onScroll}
            @wheel=${this.onUserScroll}
            @touchstart=${this.onUserScroll}
            @pointerdown=${this.onUserScroll}
            @keydown=${this.onUserScroll}
          ></lit-virtualizer>`}
    </div>`;
  }

  protected override async updated(changed: PropertyValues<this>): Promise<void> {
    // Opening an editor or a confirmation is not news: do not scroll away from it.
    if (!changed.has('entries') && !changed.has('version')) return;
    if (!this.pinned || this.shown.length === 0) return;
    const v = this.virtualizer;
    if (!v) return;
    // Scroll at once (the virtualizer then renders the newest items), and again once the
    // layout settles: during a burst each layout may be superseded before it completes, so
    // waiting for it alone left the list stuck at the top.
    v.scrollTop = v.scrollHeight;
    const last = this.shown.length - 1;
    try {
      await v.layoutComplete;
    } catch {
      // Superseded by a newer layout; that render pins again.
    }
    if (this.pinned && this.shown.length - 1 === last) v.element(last)?.scrollIntoView({ block: 'end' });
  }

  private get virtualizer(): LitVirtualizer | null {
    return this.renderRoot.querySelector('lit-virtualizer');
  }

  // Programmatic scrolls (pinning, the virtualizer correcting estimates) fire `scroll`
  // too, so only a scroll that follows user input may unpin or re-pin.
  private readonly onUserScroll = (): void => {
    this.userScrolling = true;
  };

  private readonly onScroll = (event: Event): void => {
    if (!this.userScrolling) return;
    const el = event.currentTarget as HTMLElement;
    this.pinned = el.scrollTop + el.clientHeight >= el.scrollHeight - 48;
    clearTimeout(this.userScrollTimer);
    this.userScrollTimer = setTimeout(() => (this.userScrolling = false), 250);
  };
  private userScrollTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly renderEntry = (entry: TimelineEntry) => {
    const name = this.nameOf(entry.author);
    if (entry.kind !== 'message') {
      const text = entry.kind === 'join' ? `${name} joined` : `${name} left`;
      return html`<article class="notice" data-id=${entry.id}>${text}</article>`;
    }
    const mine = this.isMine(entry.author);
    const when = new Date(entry.at);
    const delivery = mine ? this.deliveryOf(entry.id) : null;
    return html`<article class=${mine ? 'mine' : ''} data-id=${entry.id} aria-label=${`${name}, ${timeFormat.format(when)}`}>
      <div class="bubble">
        <header>
          ${this.avatarOf(entry.author) ? html`<img class="avatar" src=${this.avatarOf(entry.author)!} alt="" />` : nothing}
          <span class="author">${name}</span>
          <time datetime=${when.toISOString()} title=${dateTimeFormat.format(when)}>${timeFormat.format(when)}</time>
          ${entry.edited ? html`<span>(edited)</span>` : nothing}
        </header>
        ${entry.deleted
          ? html`<p class="deleted">This message was deleted.</p>`
          : this.editing === entry.id
            ? this.renderEditor(entry)
            : html`<p class="text">${entry.text}</p>`}
        ${entry.deleted ? nothing : this.renderTools(entry)}
        ${delivery ? html`<div class="status ${delivery}" data-status=${delivery}>${DELIVERY_LABEL[delivery]}</div>` : nothing}
      </div>
    </article>`;
  };

  /** Reaction counts, the delete confirmation, and the hover/focus actions. */
  private renderTools(entry: TimelineEntry) {
    const reactions = [...entry.reactions].filter(([, devices]) => devices.size > 0);
    const confirming = this.confirmingDelete === entry.id;
    const counts = reactions.map(([emoji, devices]) => {
      const mineToo = [...devices].some((d) => this.isMine(d));
      return html`<button type="button" class="reaction secondary" aria-pressed=${mineToo ? 'true' : 'false'}
        aria-label=${`${emoji} ${devices.size}`} title=${[...devices].map((d) => this.nameOf(d)).join(', ')}
        @click=${() => this.request('parley-react', { id: entry.id, emoji })}>${emoji} ${devices.size}</button>`;
    });
    const confirmation = html`<span role="group" aria-label="Confirm deletion">Delete for everyone?
      <button type="button" class="danger" @click=${() => this.confirmDelete(entry.id)}>Delete for everyone</button>
      <button type="button" class="secondary" @click=${() => (this.confirmingDelete = null)}>Cancel</button></span>`;
    return html`${reactions.length > 0 || confirming ? html`<div class="tools">${counts}${confirming ? confirmation : nothing}</div>` : nothing}
    ${confirming ? nothing : this.renderActions(entry)}`;
  }

  private renderActions(entry: TimelineEntry) {
    const own = this.canChange(entry.author) && this.editing !== entry.id;
    return html`<span class="actions">
      ${QUICK_REACTIONS.filter((e) => !entry.reactions.get(e)?.size).map(
        (emoji) => html`<button type="button" class="secondary" aria-label=${`React with ${emoji}`}
          @click=${() => this.request('parley-react', { id: entry.id, emoji })}>${emoji}</button>`,
      )}
      ${own
        ? html`<button type="button" class="secondary" @click=${() => this.startEdit(entry.id)}>Edit</button>
            <button type="button" class="secondary" @click=${() => (this.confirmingDelete = entry.id)}>Delete</button>`
        : nothing}
    </span>`;
  }

  private renderEditor(entry: TimelineEntry) {
    return html`<form class="edit-form" @submit=${(e: Event) => this.saveEdit(e, entry.id)}>
      <textarea aria-label="Edit message" .value=${entry.text} @keydown=${(e: KeyboardEvent) => this.onEditKey(e, entry.id)}></textarea>
      <div class="tools">
        <button type="submit">Save</button>
        <button type="button" class="secondary" @click=${() => (this.editing = null)}>Cancel</button>
      </div>
    </form>`;
  }

  private async startEdit(id: EventId): Promise<void> {
    this.editing = id;
    await this.updateComplete;
    try {
      await this.virtualizer?.layoutComplete;
    } catch {
      // Superseded by a newer layout; the editor is rendered either way.
    }
    this.renderRoot.querySelector<HTMLTextAreaElement>('.edit-form textarea')?.focus();
  }

  private onEditKey(event: KeyboardEvent, id: EventId): void {
    if (event.key === 'Escape') {
      event.preventDefault();
      this.editing = null;
    } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      this.saveEdit(event, id);
    }
  }

  private saveEdit(event: Event, id: EventId): void {
    event.preventDefault();
    const text = this.renderRoot.querySelector<HTMLTextAreaElement>('.edit-form textarea')?.value ?? '';
    this.editing = null;
    this.request('parley-edit', { id, text });
  }

  private confirmDelete(id: EventId): void {
    this.confirmingDelete = null;
    this.request('parley-delete', { id });
  }

  private request<T>(type: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
  }
}

customElements.define('parley-message-list', MessageList);

declare global {
  interface HTMLElementTagNameMap {
    'parley-message-list': MessageList;
  }
}
