/**
 * `<parley-message-list>`: the conversation log, virtualized so 100k messages cost what
 * the visible ones cost. It is a `role="log"` region, as assistive technology expects for
 * a chat history.
 *
 * Properties in, no events out (presentational). It keeps the view pinned to the newest
 * message while the reader is at the bottom, and leaves the scroll alone when they have
 * scrolled up to read history.
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

export class MessageList extends LitElement {
  static override properties = {
    entries: { attribute: false },
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
      .empty {
        margin: auto;
        color: var(--pl-muted);
        padding: 2rem;
        text-align: center;
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('entries') || changed.has('version')) {
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

  protected override async updated(): Promise<void> {
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
        ${entry.deleted ? html`<p class="deleted">This message was deleted.</p>` : html`<p class="text">${entry.text}</p>`}
        ${delivery ? html`<div class="status ${delivery}" data-status=${delivery}>${DELIVERY_LABEL[delivery]}</div>` : nothing}
      </div>
    </article>`;
  };
}

customElements.define('parley-message-list', MessageList);

declare global {
  interface HTMLElementTagNameMap {
    'parley-message-list': MessageList;
  }
}
