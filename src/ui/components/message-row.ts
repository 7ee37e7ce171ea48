/**
 * One row of the message list: the day separator and the "Unread messages" divider when
 * they fall before it, then the message (or a join/leave notice). Pure templates: state and
 * actions come from the list through `RowContext`.
 */
import { html, nothing } from 'lit';
import type { DeliveryState } from '../../client/delivery.js';
import type { DeviceId, EventId } from '../../core/ids.js';
import type { TimelineEntry } from '../../core/timeline.js';
import { MAX_TEXT } from '../../core/events.js';
import { dayKey, dayLabel, fullTimestamp, timeFormat } from '../day-label.js';
import { errorText } from '../error-text.js';

/** Consecutive messages of one person within this long share one header. */
const GROUP_MS = 5 * 60_000;

const DELIVERY_LABEL: Record<DeliveryState, string> = {
  saving: 'Saving…',
  waiting: 'Waiting',
  sent: 'Sent',
  failed: 'Not saved',
};

/** The reactions offered on every message. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂'] as const;

export interface RowContext {
  readonly isMine: (device: DeviceId) => boolean;
  readonly canChange: (device: DeviceId) => boolean;
  readonly nameOf: (device: DeviceId) => string;
  readonly avatarOf: (device: DeviceId) => string | undefined;
  readonly deliveryOf: (id: EventId) => DeliveryState;
  /** The first message that was unread when the conversation opened. */
  readonly unreadId: EventId | null;
  readonly editing: EventId | null;
  /** The length of an edit refused for being over the limit (0: none). */
  readonly editRefused: number;
  readonly confirmingDelete: EventId | null;
  readonly now: number;
  react(id: EventId, emoji: string): void;
  startEdit(id: EventId): void;
  cancelEdit(): void;
  saveEdit(event: Event, id: EventId): void;
  askDelete(id: EventId): void;
  cancelDelete(): void;
  confirmDelete(id: EventId): void;
}

/** True when `entry` continues `prev`'s group: same person, same day, within a few minutes. */
export function continuesGroup(prev: TimelineEntry | undefined, entry: TimelineEntry, unreadId: EventId | null): boolean {
  return (
    prev !== undefined &&
    prev.kind === 'message' &&
    entry.kind === 'message' &&
    prev.author === entry.author &&
    entry.id !== unreadId &&
    entry.at - prev.at < GROUP_MS &&
    dayKey(prev.at) === dayKey(entry.at)
  );
}

export function renderRow(entry: TimelineEntry, index: number, prev: TimelineEntry | undefined, ctx: RowContext) {
  const newDay = !prev || dayKey(prev.at) !== dayKey(entry.at);
  return html`<div class="row" data-index=${index}>
    ${newDay ? html`<div class="separator day" role="separator" aria-label=${dayLabel(entry.at, ctx.now)}>${dayLabel(entry.at, ctx.now)}</div>` : nothing}
    ${entry.id === ctx.unreadId ? html`<div class="separator unread" role="separator" aria-label="Unread messages">Unread messages</div>` : nothing}
    ${entry.kind === 'message' ? renderMessage(entry, continuesGroup(prev, entry, ctx.unreadId), ctx) : renderNotice(entry, ctx)}
  </div>`;
}

function renderNotice(entry: TimelineEntry, ctx: RowContext) {
  const name = ctx.nameOf(entry.author);
  return html`<article class="notice" data-id=${entry.id}>${entry.kind === 'join' ? `${name} joined` : `${name} left`}</article>`;
}

function renderMessage(entry: TimelineEntry, grouped: boolean, ctx: RowContext) {
  const name = ctx.nameOf(entry.author);
  const mine = ctx.isMine(entry.author);
  const when = new Date(entry.at);
  const delivery = mine ? ctx.deliveryOf(entry.id) : null;
  const avatar = ctx.avatarOf(entry.author);
  return html`<article class="${mine ? 'mine' : ''} ${grouped ? 'grouped' : ''}" data-id=${entry.id} aria-label=${`${name}, ${timeFormat.format(when)}`}>
    <div class="bubble">
      <header>
        ${avatar ? html`<img class="avatar" src=${avatar} alt="" />` : nothing}
        <span class="author">${name}</span>
        <time datetime=${when.toISOString()} title=${fullTimestamp.format(when)}>${timeFormat.format(when)}</time>
        ${entry.edited ? html`<span>(edited)</span>` : nothing}
      </header>
      ${entry.deleted
        ? html`<p class="deleted">This message was deleted.</p>`
        : ctx.editing === entry.id
          ? renderEditor(entry, ctx)
          : html`<p class="text">${entry.text}</p>`}
      ${entry.deleted ? nothing : renderTools(entry, ctx)}
      ${delivery ? html`<div class="status ${delivery}" data-status=${delivery}>${DELIVERY_LABEL[delivery]}</div>` : nothing}
    </div>
  </article>`;
}

/** Reaction counts, the delete confirmation, and the hover/focus actions. */
function renderTools(entry: TimelineEntry, ctx: RowContext) {
  const reactions = [...entry.reactions].filter(([, devices]) => devices.size > 0);
  const confirming = ctx.confirmingDelete === entry.id;
  const counts = reactions.map(([emoji, devices]) => {
    const mineToo = [...devices].some((d) => ctx.isMine(d));
    return html`<button type="button" class="reaction secondary" aria-pressed=${mineToo ? 'true' : 'false'}
      aria-label=${`${emoji} ${devices.size}`} title=${[...devices].map((d) => ctx.nameOf(d)).join(', ')}
      @click=${() => ctx.react(entry.id, emoji)}>${emoji} ${devices.size}</button>`;
  });
  const confirmation = html`<span role="group" aria-label="Confirm deletion">Delete for everyone?
    <button type="button" class="danger" @click=${() => ctx.confirmDelete(entry.id)}>Delete for everyone</button>
    <button type="button" class="secondary" @click=${() => ctx.cancelDelete()}>Cancel</button></span>`;
  return html`${reactions.length > 0 || confirming ? html`<div class="tools">${counts}${confirming ? confirmation : nothing}</div>` : nothing}
  ${confirming ? nothing : renderActions(entry, ctx)}`;
}

function renderActions(entry: TimelineEntry, ctx: RowContext) {
  const own = ctx.canChange(entry.author) && ctx.editing !== entry.id;
  return html`<span class="actions">
    ${QUICK_REACTIONS.filter((e) => !entry.reactions.get(e)?.size).map(
      (emoji) => html`<button type="button" class="secondary" aria-label=${`React with ${emoji}`} @click=${() => ctx.react(entry.id, emoji)}>${emoji}</button>`,
    )}
    ${own
      ? html`<button type="button" class="secondary" @click=${() => ctx.startEdit(entry.id)}>Edit</button>
          <button type="button" class="secondary" @click=${() => ctx.askDelete(entry.id)}>Delete</button>`
      : nothing}
  </span>`;
}

function renderEditor(entry: TimelineEntry, ctx: RowContext) {
  return html`<form class="edit-form" @submit=${(e: Event) => ctx.saveEdit(e, entry.id)}>
    <textarea aria-label="Edit message" .value=${entry.text}
      @keydown=${(e: KeyboardEvent) => {
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
