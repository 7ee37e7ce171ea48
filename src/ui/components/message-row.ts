/**
 * One row of the message list: the day separator and the "Unread messages" divider when
 * they fall before it, then the message (or a join/leave notice). Pure templates: state and
 * actions come from the list through `RowContext`.
 *
 * A message is one tab stop (its `article`); its controls are reached with the arrow keys
 * (the list handles them). On a pointer that hovers, actions float over the bubble on hover
 * and focus; on touch there is only "More actions" (⋯) and a long-press, both opening the
 * actions menu.
 */
import { html, nothing } from 'lit';
import { previewText } from '../../client/conversation-list.js';
import type { DeliveryState } from '../../client/delivery.js';
import { MAX_TEXT } from '../../core/events.js';
import type { DeviceId, EventId } from '../../core/ids.js';
import type { TimelineEntry } from '../../core/timeline.js';
import { dayKey, dayLabel, fullTimestamp, timeFormat } from '../day-label.js';
import { errorText } from '../error-text.js';
import { linkify } from '../linkify.js';
import type { BlockedRun } from './blocked-runs.js';

/** Consecutive messages of one person within this long share one header. */
const GROUP_MS = 5 * 60_000;
/** Longer messages show their start and a "Read more" button. */
export const COLLAPSE_CHARS = 1_500;
const COLLAPSE_LINES = 18;
const EXCERPT_CHARS = 120;

const DELIVERY: Record<DeliveryState, { readonly icon: string; readonly label: string }> = {
  saving: { icon: '…', label: 'Saving…' },
  waiting: { icon: '🕓', label: 'Waiting' },
  sent: { icon: '✓', label: 'Sent' },
  failed: { icon: '⚠', label: 'Not saved' },
};

/** Past Sent, from the receipts of other members' devices (client/conversation/receipts.ts). */
export type Receipt = 'delivered' | 'read';

const RECEIPT: Record<Receipt, { readonly icon: string; readonly label: string }> = {
  delivered: { icon: '✓✓', label: 'Delivered' },
  read: { icon: '✓✓', label: 'Read' },
};

/** Why a message's time is not taken at its word (core/timeline.ts). */
const TIME_FLAG_LABEL = {
  future: '(dated in the future)',
  backdated: '(dated before an earlier message of its sender)',
} as const;

/** The reactions offered on every message. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂'] as const;

export interface RowContext {
  readonly isMine: (device: DeviceId) => boolean;
  readonly canChange: (device: DeviceId) => boolean;
  /** The name a device went by at `at` (a rename applies from then on), told apart from namesakes. */
  readonly nameOf: (device: DeviceId, at?: number) => string;
  /** The user verified this device's identity (compared safety numbers): shown as a badge. */
  readonly isVerified: (device: DeviceId) => boolean;
  readonly avatarOf: (device: DeviceId) => string | undefined;
  readonly isBot: (device: DeviceId) => boolean;
  readonly deliveryOf: (id: EventId) => DeliveryState;
  /** What receipts say about one of the user's messages once sent (null: nothing more than Sent). */
  readonly receiptOf: (entry: TimelineEntry) => Receipt | null;
  /** A file message's file (image, player or card, with progress); absent: none shown. */
  readonly renderFile?: (entry: TimelineEntry) => unknown;
  /** A message by id, for reply quotes. */
  readonly lookup: (id: EventId) => TimelineEntry | undefined;
  /** The first message that was unread when the conversation opened. */
  readonly unreadId: EventId | null;
  readonly editing: EventId | null;
  /** The length of an edit refused for being over the limit (0: none). */
  readonly editRefused: number;
  readonly confirmingDelete: EventId | null;
  /** Long messages the reader expanded. */
  readonly expanded: ReadonlySet<EventId>;
  /** A message to highlight briefly (the original of a clicked quote). */
  readonly highlight: EventId | null;
  /** A touch screen without hover: reactions show who reacted instead of toggling. */
  readonly touch: boolean;
  readonly now: number;
  react(id: EventId, emoji: string): void;
  openPicker(id: EventId): void;
  reply(id: EventId): void;
  startEdit(id: EventId): void;
  cancelEdit(): void;
  saveEdit(event: Event, id: EventId): void;
  askDelete(id: EventId): void;
  cancelDelete(): void;
  confirmDelete(id: EventId): void;
  openMenu(id: EventId, anchor: Element): void;
  showReactions(id: EventId): void;
  expand(id: EventId, open: boolean): void;
  jumpTo(id: EventId): void;
  keydown(event: KeyboardEvent, id: EventId): void;
  pointerdown(event: PointerEvent, id: EventId): void;
  /** The run of a blocked person's messages an entry belongs to, if it is one (blocked-runs.ts). */
  blockedRun(id: EventId): BlockedRun | undefined;
  /** Opens or closes a run of a blocked person's messages. */
  toggleBlocked(first: EventId): void;
}

/**
 * True when `entry` continues `prev`'s group: same person under the same name (a rename
 * starts a new group, so the new name shows), same day, within a few minutes.
 */
export function continuesGroup(prev: TimelineEntry | undefined, entry: TimelineEntry, ctx: RowContext): boolean {
  return (
    prev !== undefined &&
    prev.kind === 'message' &&
    entry.kind === 'message' &&
    prev.author === entry.author &&
    entry.id !== ctx.unreadId &&
    entry.at - prev.at < GROUP_MS &&
    dayKey(prev.at) === dayKey(entry.at) &&
    ctx.nameOf(prev.author, prev.at) === ctx.nameOf(entry.author, entry.at)
  );
}

/** The start of a text on one line, for quotes and previews. */
function excerpt(text: string, max = EXCERPT_CHARS): string {
  const line = text.replace(/\s+/gu, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * A message's start on one line, for quotes and the actions dialog. A file message is named
 * as the conversation list names it ("📷 Photo", "📎 notes.pdf", or its caption): its text
 * alone is its caption, often empty.
 */
export function entryExcerpt(entry: TimelineEntry, max = EXCERPT_CHARS): string {
  return excerpt(entry.file ? previewText(entry) : entry.text, max);
}

export function isLong(text: string): boolean {
  if (text.length > COLLAPSE_CHARS) return true;
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0 && lines <= COLLAPSE_LINES; i = text.indexOf('\n', i + 1)) lines++;
  return lines > COLLAPSE_LINES;
}

export function renderRow(entry: TimelineEntry, index: number, prev: TimelineEntry | undefined, ctx: RowContext) {
  const newDay = !prev || dayKey(prev.at) !== dayKey(entry.at);
  const day = newDay ? dayLabel(entry.at, ctx.now) : '';
  return html`<div class="row" data-index=${index}>
    ${newDay ? html`<div class="separator day" role="separator" aria-label=${day}>${day}</div>` : nothing}
    ${entry.id === ctx.unreadId ? html`<div class="separator unread" role="separator" aria-label="Unread messages">Unread messages</div>` : nothing}
    ${renderEntry(entry, prev, ctx)}
  </div>`;
}

function renderEntry(entry: TimelineEntry, prev: TimelineEntry | undefined, ctx: RowContext) {
  const run = ctx.blockedRun(entry.id);
  if (!run) return entry.kind === 'message' ? renderMessage(entry, continuesGroup(prev, entry, ctx), ctx) : renderNotice(entry, ctx);
  const count = `${run.count} ${run.count === 1 ? 'message' : 'messages'} from a blocked person`;
  // The run's line is one tab stop, like a message (Enter or the button opens it); opened,
  // the messages follow it, read-only.
  const line =
    run.first === entry.id
      ? html`<article class="notice blocked-run" data-id=${`run-${entry.id}`} tabindex="0" aria-label=${count} @keydown=${(e: KeyboardEvent) => ctx.keydown(e, entry.id)}>
          <button type="button" class="link" tabindex="-1" aria-expanded=${run.open ? 'true' : 'false'} @click=${() => ctx.toggleBlocked(run.first)}>${count}</button>
        </article>`
      : nothing;
  return html`${line}${run.open ? renderMessage(entry, run.first !== entry.id && continuesGroup(prev, entry, ctx), ctx, true) : nothing}`;
}

function renderNotice(entry: TimelineEntry, ctx: RowContext) {
  const name = ctx.nameOf(entry.author, entry.at);
  return html`<article class="notice" data-id=${entry.id}>${entry.kind === 'join' ? `${name} joined` : `${name} left`}</article>`;
}

/** `readOnly`: a blocked person's message opened on request, without actions. */
function renderMessage(entry: TimelineEntry, grouped: boolean, ctx: RowContext, readOnly = false) {
  const mine = ctx.isMine(entry.author);
  const name = ctx.nameOf(entry.author, entry.at);
  const when = new Date(entry.at);
  const avatar = ctx.avatarOf(entry.author);
  const classes = ['message', mine ? 'mine' : '', grouped ? 'grouped' : '', ctx.highlight === entry.id ? 'highlight' : ''].join(' ');
  return html`<article class=${classes} data-id=${entry.id} tabindex="0"
    aria-label=${`${mine ? 'You' : name}${!mine && ctx.isBot(entry.author) ? ' (bot)' : ''}, ${timeFormat.format(when)}`}
    @keydown=${(e: KeyboardEvent) => ctx.keydown(e, entry.id)}
    @pointerdown=${readOnly ? nothing : (e: PointerEvent) => ctx.pointerdown(e, entry.id)}
    @contextmenu=${readOnly ? nothing : (e: MouseEvent) => onContextMenu(e, entry.id, ctx)}>
    <div class="bubble">
      ${readOnly || entry.deleted || ctx.touch || ctx.editing === entry.id || ctx.confirmingDelete === entry.id ? nothing : renderToolbar(entry, ctx)}
      ${!mine && !grouped
        ? html`<header>
            ${avatar ? html`<img class="avatar" src=${avatar} alt="" />` : nothing}
            <span class="author">${name}</span>
            ${ctx.isBot(entry.author) ? html`<span class="bot-badge" title="This member is a program">bot</span>` : nothing}
            ${ctx.isVerified(entry.author) ? html`<span class="verified" title="Verified contact" aria-label="verified">✓</span>` : nothing}
          </header>`
        : nothing}
      ${entry.replyTo && !entry.deleted ? renderQuote(entry.replyTo, ctx) : nothing}
      ${entry.flag ? html`<p class="flag" role="note">${TIME_FLAG_LABEL[entry.flag]}</p>` : nothing}
      ${entry.disputed
        ? html`<p class="flag" role="note">Disputed: ${name} signed different versions of this message: ${entry.disputed.map((t) => `“${t}”`).join(', ')}</p>`
        : nothing}
      ${entry.deleted
        ? html`<p class="deleted">This message was deleted.</p>`
        : ctx.editing === entry.id
          ? renderEditor(entry, ctx)
          : html`${entry.file && ctx.renderFile ? ctx.renderFile(entry) : nothing}${entry.file && entry.text === '' ? nothing : renderText(entry, ctx)}`}
      ${entry.deleted ? nothing : renderReactions(entry, ctx)}
      ${ctx.confirmingDelete === entry.id ? renderConfirmation(entry, ctx) : nothing}
      <footer>
        <time datetime=${when.toISOString()} title=${fullTimestamp.format(when)}>${timeFormat.format(when)}</time>
        ${entry.edited ? html`<span>(edited)</span>` : nothing}
        ${mine ? renderDelivery(ctx.deliveryOf(entry.id), ctx.receiptOf(entry)) : nothing}
        ${entry.deleted || readOnly
          ? nothing
          : html`<button type="button" class="more" tabindex="-1" aria-haspopup="dialog" aria-label="More actions"
              @click=${(e: Event) => ctx.openMenu(entry.id, e.currentTarget as Element)}>⋯</button>`}
      </footer>
    </div>
  </article>`;
}

function onContextMenu(event: MouseEvent, id: EventId, ctx: RowContext): void {
  // Links and selected text keep the browser's own menu.
  if ((event.target as Element).closest('a') || (getSelection()?.toString() ?? '') !== '') return;
  event.preventDefault();
  ctx.openMenu(id, event.currentTarget as Element);
}

function renderDelivery(state: DeliveryState, receipt: Receipt | null) {
  // data-status stays this device's own state (Sent); data-receipt says what others' devices said.
  // The label is the text itself: no aria-label, which ARIA does not allow on a generic span
  // (axe: aria-prohibited-attr) and which said what the text says.
  const d = state === 'sent' && receipt ? RECEIPT[receipt] : DELIVERY[state];
  return html`<span class="status ${state} ${state === 'sent' ? (receipt ?? '') : ''}" data-status=${state} data-receipt=${state === 'sent' && receipt ? receipt : nothing}
    title=${d.label}><span aria-hidden="true">${d.icon}</span> <span class="label">${d.label}</span></span>`;
}

function renderQuote(id: EventId, ctx: RowContext) {
  const original = ctx.lookup(id);
  if (!original || original.kind !== 'message') return html`<p class="quote missing">Reply to a message that is not loaded</p>`;
  const who = ctx.isMine(original.author) ? 'You' : ctx.nameOf(original.author);
  const text = original.deleted ? 'This message was deleted.' : entryExcerpt(original);
  return html`<button type="button" class="quote" tabindex="-1" aria-label=${`Reply to ${who}: ${text} Show the original message.`} @click=${() => ctx.jumpTo(id)}>
    <span class="quote-author">${who}</span>
    <span class="quote-text">${text}</span>
  </button>`;
}

function renderText(entry: TimelineEntry, ctx: RowContext) {
  const long = isLong(entry.text);
  const open = ctx.expanded.has(entry.id);
  const parts = linkify(entry.text).map((part) =>
    typeof part === 'string' ? part : html`<a href=${part.href} target="_blank" rel="noopener noreferrer" tabindex="-1">${part.text}</a>`,
  );
  return html`<p class="text ${long && !open ? 'collapsed' : ''}" id=${`text-${entry.id}`}>${parts}</p>
    ${long
      ? html`<button type="button" class="read-more link" tabindex="-1" aria-expanded=${open ? 'true' : 'false'} aria-controls=${`text-${entry.id}`}
          @click=${() => ctx.expand(entry.id, !open)}>${open ? 'Show less' : 'Read more'}</button>`
      : nothing}`;
}

function renderReactions(entry: TimelineEntry, ctx: RowContext) {
  const reactions = [...entry.reactions].filter(([, devices]) => devices.size > 0);
  if (reactions.length === 0) return nothing;
  return html`<div class="reactions">
    ${reactions.map(([emoji, devices]) => {
      const mineToo = [...devices].some((d) => ctx.isMine(d));
      const names = [...devices].map((d) => (ctx.isMine(d) ? 'You' : ctx.nameOf(d))).join(', ');
      return html`<button type="button" class="reaction" tabindex="-1" aria-pressed=${mineToo ? 'true' : 'false'}
        aria-label=${`${emoji} ${devices.size}`} aria-description=${names} title=${names}
        @click=${() => (ctx.touch ? ctx.showReactions(entry.id) : ctx.react(entry.id, emoji))}>${emoji} ${devices.size}</button>`;
    })}
  </div>`;
}

function renderConfirmation(entry: TimelineEntry, ctx: RowContext) {
  return html`<div class="tools" role="group" aria-label="Confirm deletion">
    <span>Delete for everyone?</span>
    <button type="button" class="danger" @click=${() => ctx.confirmDelete(entry.id)}>Delete for everyone</button>
    <button type="button" class="secondary" @click=${() => ctx.cancelDelete()}>Cancel</button>
  </div>`;
}

/** Hover/focus actions on pointers that hover. */
function renderToolbar(entry: TimelineEntry, ctx: RowContext) {
  const own = ctx.canChange(entry.author);
  return html`<div class="actions" role="group" aria-label="Message actions">
    ${QUICK_REACTIONS.map(
      (emoji) => html`<button type="button" class="secondary" tabindex="-1" aria-label=${`React with ${emoji}`} @click=${() => ctx.react(entry.id, emoji)}>${emoji}</button>`,
    )}
    <button type="button" class="secondary" tabindex="-1" aria-label="Add reaction" title="Add reaction" @click=${() => ctx.openPicker(entry.id)}>☺+</button>
    <button type="button" class="secondary" tabindex="-1" @click=${() => ctx.reply(entry.id)}>Reply</button>
    ${own
      ? html`<button type="button" class="secondary" tabindex="-1" @click=${() => ctx.startEdit(entry.id)}>Edit</button>
          <button type="button" class="secondary" tabindex="-1" @click=${() => ctx.askDelete(entry.id)}>Delete</button>`
      : nothing}
  </div>`;
}

function renderEditor(entry: TimelineEntry, ctx: RowContext) {
  return html`<form class="edit-form" @submit=${(e: Event) => ctx.saveEdit(e, entry.id)}>
    <textarea aria-label="Edit message" .value=${entry.text}
      @keydown=${(e: KeyboardEvent) => {
        e.stopPropagation();
        if (e.key === 'Escape') {
          e.preventDefault();
          ctx.cancelEdit();
        } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) ctx.saveEdit(e, entry.id);
      }}></textarea>
    ${ctx.editRefused ? html`<p class="edit-error" role="alert">${errorText({ code: 'message-too-long', detail: { max: MAX_TEXT, length: ctx.editRefused } })}</p>` : nothing}
    <div class="tools">
      <button type="submit">Save</button>
      <button type="button" class="secondary" @click=${() => ctx.cancelEdit()}>Cancel</button>
    </div>
  </form>`;
}
