/**
 * `<parley-message-list>`: the conversation log, virtualized so 100k messages cost what
 * the visible ones cost. It is a `role="log"` region, as assistive technology expects for
 * a chat history.
 *
 * Properties in; the reader's requests out as events (`parley-edit`, `parley-delete`,
 * `parley-react`, `parley-reply`), which the conversation view carries out. It always knows
 * where the newest message is (docs/architecture.md §11): it opens at the first unread
 * message under an "Unread messages" divider, or at the newest; it stays at the newest
 * while the reader is there; this device's own sends always bring it there; and when the
 * reader has scrolled up, a "Jump to newest" button counts what arrived since.
 */
import { fileStyles } from './file-card.js';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { guard } from 'lit/directives/guard.js';
import '@lit-labs/virtualizer';
import type { LitVirtualizer } from '@lit-labs/virtualizer';
import type { DeliveryState } from '../../client/delivery.js';
import type { MessageReceipts } from '../../client/conversation/receipts.js';
import { MAX_TEXT } from '../../core/events.js';
import type { DeviceId, EventId } from '../../core/ids.js';
import type { TimelineEntry } from '../../core/timeline.js';
import { BottomPin } from '../controllers/bottom-pin.js';
import { controls, themeTokens } from '../styles/theme.js';
import { onMessageKey, onMessagePointerDown } from './message-keys.js';
import { renderRow } from './message-row.js';
import { sameRows, withBlockedRuns, type BlockedRun } from './blocked-runs.js';
import { rowKey } from './row-key.js';
import { RowSizes, rowLayout } from './row-layout.js';
import { renderSheet, type Sheet, type SheetContext } from './message-sheet.js';
import { UnreadMarks, indexOfEntry } from './unread-marks.js';
import { messageStyles, sheetStyles } from './message-styles.js';

export { QUICK_REACTIONS } from './message-row.js';

const HIGHLIGHT_MS = 2_000;

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
    blocked: { attribute: false },
    openRuns: { state: true },
    canChange: { attribute: false },
    isMine: { attribute: false },
    nameOf: { attribute: false },
    isVerified: { attribute: false },
    avatarOf: { attribute: false },
    isBot: { attribute: false },
    deliveryOf: { attribute: false },
    receiptsOf: { attribute: false },
    showReads: { attribute: false },
    renderFile: { attribute: false },
    version: { type: Number },
    readUpTo: { type: Number },
    loading: { type: Boolean },
    editing: { state: true },
    editRefused: { state: true },
    confirmingDelete: { state: true },
    following: { state: true },
    sheet: { state: true },
    highlight: { state: true },
  };

  /** Sorted timeline entries (the timeline's live array). */
  declare entries: readonly TimelineEntry[];
  /** What blocked people wrote, kept apart (ConversationSession.blockedTimeline), shown collapsed. */
  declare blocked: readonly TimelineEntry[];
  /** Runs of a blocked person's messages the reader opened, by their first message. */
  declare openRuns: ReadonlySet<EventId>;
  /** True for devices of this user (any of their linked devices). */
  declare isMine: (device: DeviceId) => boolean;
  /** True for messages this device wrote, which it may edit and delete. */
  declare canChange: (device: DeviceId) => boolean;
  declare nameOf: (device: DeviceId, at?: number) => string;
  declare isVerified: (device: DeviceId) => boolean;
  declare avatarOf: (device: DeviceId) => string | undefined;
  /** True for devices whose signed member record says they are a program (a bot). */
  declare isBot: (device: DeviceId) => boolean;
  declare deliveryOf: (id: EventId) => DeliveryState;
  /** Receipts of one of the user's own messages (client/conversation/receipts.ts). */
  declare receiptsOf: (entry: TimelineEntry) => MessageReceipts | null;
  /** The user shares read receipts, and so sees others' (Signal's rule). */
  declare showReads: boolean;
  /** Renders a file message's file (the owner knows where its bytes are). */
  declare renderFile: ((entry: TimelineEntry) => unknown) | undefined;
  /** Bumped by the owner whenever entries or delivery states change. */
  declare version: number;
  /** How far the reader had read when the conversation opened (0: never opened). */
  declare readUpTo: number;
  /** The stored history is still loading: which message is first unread may still change. */
  declare loading: boolean;
  /** The message being edited in place, if any. */
  declare editing: EventId | null;
  /** Length of an edit refused for being over the limit (0: none); the editor keeps its text. */
  declare editRefused: number;
  /** The message whose deletion waits for confirmation, if any. */
  declare confirmingDelete: EventId | null;
  declare following: boolean;
  /** The open dialog: a message's actions, the emoji picker, who reacted, message info. */
  declare sheet: Sheet | null;
  declare highlight: EventId | null;

  /** How many times the list rendered since it was made (tests and measurements, docs/architecture.md §11). */
  renders = 0;
  /** How many rows it rendered: a row whose `rowKey` did not change is not rendered again. */
  rowRenders = 0;
  /**
   * Each row's size as its `ResizeObserver` reports it, so adding a row measures that row
   * only (docs/architecture.md §11). Created with the element, before its virtualizer. A
   * row changing height also re-settles the scroll position.
   */
  readonly rowSizes = new RowSizes(() => this.pin.settle());
  /**
   * The virtualizer's layout (statically imported, so the first render does not wait for its
   * lazy chunk). Rows laid out with new sizes re-apply the pin in the same frame.
   */
  private readonly layout = rowLayout(this.rowSizes, () => this.pin.placed());
  private shown: TimelineEntry[] = [];
  /** The blocked person's run each blocked message in `shown` belongs to. */
  private runs: ReadonlyMap<EventId, BlockedRun> = new Map();
  private readonly expanded = new Set<EventId>();
  /** The first unread message and how many are new since the reader was at the newest. */
  private readonly marks = new UnreadMarks({ isMine: (d) => this.isMine(d), isBlocked: (id) => this.runs.has(id) });
  private newCount = 0;
  private lastId: EventId | null = null;
  private highlightTimer: ReturnType<typeof setTimeout> | undefined;
  /** Where focus goes back to when the dialog closes. */
  private sheetReturn: Element | null = null;
  private readonly hoverless = matchMedia('(hover: none)');
  private readonly pin = new BottomPin(
    this,
    () => this.virtualizer,
    () => this.shown.length,
    (pinned) => (this.following = pinned),
  );

  constructor() {
    super();
    this.entries = [];
    this.blocked = [];
    this.openRuns = new Set();
    this.isMine = () => false;
    this.canChange = () => false;
    this.nameOf = () => '';
    this.isVerified = () => false;
    this.avatarOf = () => undefined;
    this.isBot = () => false;
    this.deliveryOf = () => 'sent';
    this.receiptsOf = () => null;
    this.showReads = true;
    this.renderFile = undefined;
    this.version = 0;
    this.readUpTo = 0;
    this.loading = false;
    this.editing = null;
    this.editRefused = 0;
    this.confirmingDelete = null;
    this.following = true;
    this.sheet = null;
    this.highlight = null;
  }

  static override styles = [themeTokens, controls, messageStyles, sheetStyles, fileStyles];

  override connectedCallback(): void {
    super.connectedCallback();
    this.hoverless.addEventListener('change', this.rerender);
  }

  override disconnectedCallback(): void {
    this.hoverless.removeEventListener('change', this.rerender);
    this.rowSizes.stop();
    clearTimeout(this.highlightTimer);
    super.disconnectedCallback();
  }

  private readonly rerender = (): void => this.requestUpdate();

  /** Starts editing this device's newest message that still exists (Up in an empty box). */
  editLast(): void {
    for (let i = this.shown.length - 1; i >= 0; i--) {
      const e = this.shown[i]!;
      if (e.kind === 'message' && !e.deleted && this.canChange(e.author)) {
        void this.startEdit(e.id);
        return;
      }
    }
  }

  /** Brings the newest message into view and follows it from now on. */
  scrollToNewest(): void {
    this.marks.settled = true;
    this.pin.toNewest();
    this.requestUpdate();
  }

  /** Scrolls to a message and highlights it for a moment (a reply's original). */
  async jumpTo(id: EventId): Promise<void> {
    const index = this.shown.findIndex((e) => e.id === id);
    if (index < 0) return;
    this.marks.settled = true;
    this.pin.hold(() => ({ index }), 'jump');
    this.highlight = id;
    clearTimeout(this.highlightTimer);
    this.highlightTimer = setTimeout(() => (this.highlight = null), HIGHLIGHT_MS);
    await this.focusIndex(index);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (['entries', 'blocked', 'openRuns', 'version'].some((p) => changed.has(p as keyof MessageList))) {
      // A fresh array only when the rows changed: a new one makes the virtualizer measure
      // every rendered row again (a forced layout), and most renders (a delivery state, a
      // receipt) change no row's entry. An O(n) pointer comparison, cheap next to layout.
      const next = withBlockedRuns(this.entries, this.blocked, this.openRuns);
      if (!sameRows(next, { list: this.shown, runs: this.runs })) ({ list: this.shown, runs: this.runs } = next);
    }
    if (!changed.has('entries') && !changed.has('version') && !changed.has('following')) return;
    const last = this.shown.at(-1);
    const unread = this.marks.find(this.shown, this.readUpTo, this.loading);
    // Held at the first unread while the history loads underneath.
    if (unread) {
      this.pin.hold(() => {
        const index = indexOfEntry(this.shown, unread);
        return index < 0 ? null : { index };
      }, 'unread');
    }
    if (last && last.id !== this.lastId) {
      const first = this.lastId === null;
      this.lastId = last.id;
      // This device's own new message: always show it.
      if (!first && this.canChange(last.author) && last.kind === 'message') this.scrollToNewest();
    }
    if (this.pin.pinned) this.marks.seen(last?.at ?? 0);
    this.newCount = this.marks.countNew(this.shown);
  }

  protected override updated(): void {
    this.renders++;
    this.rowSizes.watch(this.virtualizer);
    // The picker's code and emoji data load on first use only.
    if (this.sheet?.kind === 'picker') void import('./emoji-picker.js');
    const dialog = this.renderRoot.querySelector('dialog');
    if (!dialog) return;
    if (this.sheet && !dialog.open) dialog.showModal();
    if (!this.sheet && dialog.open) dialog.close();
  }

  protected override render() {
    const ctx = this.context();
    const sheetEntry = this.sheet ? this.shown.find((e) => e.id === this.sheet!.id) : undefined;
    return html`<div role="log" aria-label="Messages" aria-live="polite" aria-relevant="additions">
        ${this.shown.length === 0
          ? html`<p class="empty">No messages yet. Say hello!</p>`
          : html`<lit-virtualizer scroller .layout=${this.layout} .items=${this.shown}
              .renderItem=${(entry: TimelineEntry, index: number) => {
                const prev = this.shown[index - 1];
                // A file's card follows the files' state, which `version` counts.
                return guard(rowKey(entry, index, prev, ctx, entry.file ? this.version : 0), () => {
                  this.rowRenders++;
                  return renderRow(entry, index, prev, ctx);
                });
              }}
              @scroll=${this.onScroll}
              @wheel=${this.pin.onWheel}
              @touchstart=${this.pin.onInput}
              @pointerdown=${this.pin.onInput}
              @keydown=${this.pin.onInput}
            ></lit-virtualizer>`}
        ${this.following ? nothing : this.renderJump()}
      </div>
      <dialog class="sheet" aria-labelledby="sheet-title" @close=${this.onSheetClosed} @click=${this.onDialogClick}>
        ${this.sheet && sheetEntry ? renderSheet(this.sheet, sheetEntry, ctx) : nothing}
      </dialog>`;
  }

  private renderJump() {
    const n = this.newCount;
    const label = n > 0 ? `Jump to newest, ${n} new ${n === 1 ? 'message' : 'messages'}` : 'Jump to newest';
    return html`<button type="button" class="jump" aria-label=${label} @click=${() => this.scrollToNewest()}>
      ↓ Jump to newest${n > 0 ? html`<span class="count" aria-hidden="true">${n > 99 ? '99+' : n}</span>` : nothing}
    </button>`;
  }

  private readonly onScroll = (): void => {
    // Once the reader scrolls, the unread divider stays where it is.
    if (this.pin.onScroll()) this.marks.settled = true;
  };

  private context(): SheetContext {
    return {
      isMine: this.isMine,
      canChange: this.canChange,
      nameOf: this.nameOf,
      isVerified: this.isVerified,
      avatarOf: this.avatarOf,
      isBot: this.isBot,
      deliveryOf: this.deliveryOf,
      receiptOf: (entry) => {
        const r = this.receiptsOf(entry);
        return !r ? null : this.showReads && r.readBy.length > 0 ? 'read' : r.delivered ? 'delivered' : null;
      },
      receiptsOf: (entry) => this.receiptsOf(entry),
      showReads: this.showReads,
      ...(this.renderFile ? { renderFile: this.renderFile } : {}),
      lookup: (id) => {
        const i = this.shown.findIndex((e) => e.id === id);
        return i < 0 ? undefined : this.shown[i];
      },
      unreadId: this.marks.first?.id ?? null,
      editing: this.editing,
      editRefused: this.editRefused,
      confirmingDelete: this.confirmingDelete,
      expanded: this.expanded,
      highlight: this.highlight,
      touch: this.hoverless.matches,
      now: Date.now(),
      react: (id, emoji) => this.request<ReactDetail>('parley-react', { id, emoji }),
      openPicker: (id) => this.openSheet({ kind: 'picker', id }, null),
      reply: (id) => this.request<MessageDetail>('parley-reply', { id }),
      startEdit: (id) => void this.startEdit(id),
      cancelEdit: () => {
        this.editing = null;
        this.editRefused = 0;
      },
      saveEdit: (event, id) => this.saveEdit(event, id),
      askDelete: (id) => (this.confirmingDelete = id),
      cancelDelete: () => (this.confirmingDelete = null),
      confirmDelete: (id) => {
        this.confirmingDelete = null;
        this.request<MessageDetail>('parley-delete', { id });
      },
      openMenu: (id, anchor) => this.openSheet({ kind: 'menu', id }, anchor),
      showReactions: (id) => this.openSheet({ kind: 'reactions', id }, null),
      expand: (id, open) => {
        if (open) this.expanded.add(id);
        else this.expanded.delete(id);
        this.requestUpdate();
      },
      jumpTo: (id) => void this.jumpTo(id),
      keydown: (event, id) =>
        onMessageKey(event, id, {
          focusIndex: (index) => void this.focusIndex(index),
          indexOf: (target) => this.shown.findIndex((e) => e.id === target),
          count: this.shown.length,
          // Enter on a blocked person's run opens or closes it; their messages have no actions.
          openMenu: (target, anchor) => {
            const run = this.runs.get(target);
            if (!run) this.openSheet({ kind: 'menu', id: target }, anchor);
            else if (run.first === target && anchor.classList.contains('blocked-run')) this.toggleRun(run.first);
          },
        }),
      blockedRun: (id) => this.runs.get(id),
      toggleBlocked: (first) => this.toggleRun(first),
      pointerdown: (event, id) => onMessagePointerDown(event, () => this.openSheet({ kind: 'menu', id }, event.target as Element)),
      close: () => (this.sheet = null),
      open: (sheet) => (this.sheet = sheet),
      copy: (text) => void navigator.clipboard?.writeText(text).catch(() => undefined),
    };
  }

  private toggleRun(first: EventId): void {
    const open = new Set(this.openRuns);
    if (!open.delete(first)) open.add(first);
    this.openRuns = open;
  }

  private openSheet(sheet: Sheet, anchor: Element | null): void {
    this.sheetReturn = anchor?.closest('article') ?? this.renderRoot.querySelector(`article[data-id="${CSS.escape(sheet.id)}"]`);
    this.sheet = sheet;
  }

  private readonly onSheetClosed = (): void => {
    this.sheet = null;
    (this.sheetReturn as HTMLElement | null)?.focus();
    this.sheetReturn = null;
  };

  /** A click on the backdrop (outside the dialog's box) closes it. */
  private readonly onDialogClick = (event: MouseEvent): void => {
    const dialog = event.currentTarget as HTMLDialogElement;
    if (event.target !== dialog) return;
    const r = dialog.getBoundingClientRect();
    if (event.clientX < r.left || event.clientX > r.right || event.clientY < r.top || event.clientY > r.bottom) this.sheet = null;
  };

  private get virtualizer(): LitVirtualizer | null {
    return this.renderRoot.querySelector('lit-virtualizer');
  }

  /** Focuses the message at `index`, scrolling it into view first if it is not rendered. */
  private async focusIndex(index: number): Promise<void> {
    const find = () => this.virtualizer?.querySelector<HTMLElement>(`:scope > [data-index="${index}"] article`) ?? null;
    let article = find();
    if (!article) {
      this.marks.settled = true;
      this.pin.hold(() => ({ index }), 'focus');
      for (let i = 0; i < 5 && !article; i++) {
        await new Promise((resolve) => requestAnimationFrame(resolve));
        article = find();
      }
    }
    article?.focus({ preventScroll: false });
  }

  private async startEdit(id: EventId): Promise<void> {
    this.editing = id;
    this.editRefused = 0;
    // Editing an older message scrolls to it; stop following the newest meanwhile.
    const index = this.shown.findIndex((e) => e.id === id);
    if (index >= 0 && index < this.shown.length - 1) this.pin.hold(() => ({ index }), 'edit');
    await this.updateComplete;
    try {
      await this.virtualizer?.layoutComplete;
    } catch {
      // Superseded by a newer layout; the editor is rendered either way.
    }
    this.renderRoot.querySelector<HTMLTextAreaElement>('.edit-form textarea')?.focus();
  }

  private saveEdit(event: Event, id: EventId): void {
    event.preventDefault();
    const text = this.renderRoot.querySelector<HTMLTextAreaElement>('.edit-form textarea')?.value ?? '';
    // Too long: keep the editor and its text, and say why.
    if (text.length > MAX_TEXT) {
      this.editRefused = text.length;
      return;
    }
    this.editing = null;
    this.editRefused = 0;
    this.request<EditDetail>('parley-edit', { id, text });
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
