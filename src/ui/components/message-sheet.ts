/**
 * The message list's one modal dialog, in the top layer (never clipped by the virtualized
 * rows): the actions menu of a message (long-press, "⋯", right-click, Enter on a message),
 * the emoji picker, who reacted (touch), and message info. Pure templates; the list owns
 * which is open.
 */
import { html, nothing } from 'lit';
import type { DeliveryState } from '../../client/delivery.js';
import type { MessageReceipts } from '../../client/conversation/receipts.js';
import type { EventId } from '../../core/ids.js';
import type { TimelineEntry } from '../../core/timeline.js';
import { fullTimestamp } from '../day-label.js';
import { QUICK_REACTIONS, entryExcerpt, type Receipt, type RowContext } from './message-row.js';

export type SheetKind = 'menu' | 'picker' | 'reactions' | 'info';

export interface Sheet {
  readonly kind: SheetKind;
  readonly id: EventId;
}

export interface SheetContext extends RowContext {
  /** Receipts of one of the user's own messages; null for others'. */
  receiptsOf(entry: TimelineEntry): MessageReceipts | null;
  /** The user shares read receipts, and so sees who read. */
  readonly showReads: boolean;
  close(): void;
  open(sheet: Sheet): void;
  copy(text: string): void;
}

const TITLE: Record<SheetKind, string> = {
  menu: 'Message actions',
  picker: 'Choose a reaction',
  reactions: 'Reactions',
  info: 'Message info',
};

const DELIVERY_WORDS: Record<DeliveryState, string> = {
  saving: 'Saving on this device',
  waiting: 'Waiting: saved on this device, not yet sent',
  sent: 'Sent',
  failed: 'Not saved on this device',
};

export const sheetTitle = (kind: SheetKind): string => TITLE[kind];

export function renderSheet(sheet: Sheet, entry: TimelineEntry, ctx: SheetContext) {
  const mine = ctx.isMine(entry.author);
  const who = mine ? 'You' : ctx.nameOf(entry.author);
  return html`<header class="sheet-head">
      <h2 id="sheet-title">${TITLE[sheet.kind]}</h2>
      <button type="button" class="secondary" aria-label="Close" @click=${() => ctx.close()}>✕</button>
    </header>
    <p class="sheet-sub">${who}, ${fullTimestamp.format(entry.at)}${entry.text || entry.file ? html`<br /><span class="sheet-excerpt">${entryExcerpt(entry, 80)}</span>` : nothing}</p>
    ${sheet.kind === 'menu'
      ? renderMenu(entry, ctx)
      : sheet.kind === 'picker'
        ? html`<parley-emoji-picker @parley-emoji=${(e: CustomEvent<{ emoji: string }>) => {
            ctx.react(entry.id, e.detail.emoji);
            ctx.close();
          }}></parley-emoji-picker>`
        : sheet.kind === 'reactions'
          ? renderReactors(entry, ctx)
          : renderInfo(entry, ctx)}`;
}

function renderMenu(entry: TimelineEntry, ctx: SheetContext) {
  const own = ctx.canChange(entry.author);
  const run = (action: () => void) => () => {
    ctx.close();
    action();
  };
  return html`<div class="quick" role="group" aria-label="Quick reactions">
      ${QUICK_REACTIONS.map(
        (emoji) => html`<button type="button" class="secondary" aria-label=${`React with ${emoji}`} @click=${run(() => ctx.react(entry.id, emoji))}>${emoji}</button>`,
      )}
      <button type="button" class="secondary" aria-label="Add reaction" @click=${() => ctx.open({ kind: 'picker', id: entry.id })}>☺+</button>
    </div>
    <ul class="menu-items">
      <li><button type="button" class="secondary" @click=${run(() => ctx.reply(entry.id))}>Reply</button></li>
      ${entry.reactions.size > 0 ? html`<li><button type="button" class="secondary" @click=${() => ctx.open({ kind: 'reactions', id: entry.id })}>Who reacted</button></li>` : nothing}
      ${entry.text !== '' // a file sent without a caption has no text to copy
        ? html`<li><button type="button" class="secondary" @click=${run(() => ctx.copy(entry.text))}>Copy text</button></li>`
        : nothing}
      ${own
        ? html`<li><button type="button" class="secondary" @click=${run(() => ctx.startEdit(entry.id))}>Edit</button></li>
            <li><button type="button" class="secondary" @click=${run(() => ctx.askDelete(entry.id))}>Delete</button></li>`
        : nothing}
      <li><button type="button" class="secondary" @click=${() => ctx.open({ kind: 'info', id: entry.id })}>Message info</button></li>
    </ul>`;
}

function renderReactors(entry: TimelineEntry, ctx: SheetContext) {
  const reactions = [...entry.reactions].filter(([, devices]) => devices.size > 0);
  if (reactions.length === 0) return html`<p>No reactions yet.</p>`;
  return html`<ul class="reactors">
    ${reactions.map(([emoji, devices]) => {
      const mineToo = [...devices].some((d) => ctx.isMine(d));
      const names = [...new Set([...devices].map((d) => (ctx.isMine(d) ? 'You' : ctx.nameOf(d))))];
      return html`<li>
        <span class="reactor-emoji" aria-hidden="true">${emoji}</span>
        <span class="reactor-names">${emoji} ${names.join(', ')}</span>
        <button type="button" class="secondary" @click=${() => ctx.react(entry.id, emoji)}>${mineToo ? `Remove my ${emoji}` : `Add my ${emoji}`}</button>
      </li>`;
    })}
  </ul>`;
}

function renderInfo(entry: TimelineEntry, ctx: SheetContext) {
  const mine = ctx.isMine(entry.author);
  return html`<dl class="info">
    <dt>Sent</dt>
    <dd>${fullTimestamp.format(entry.at)}</dd>
    ${entry.edited ? html`<dt>Edited</dt><dd>Yes</dd>` : nothing}
    ${mine && ctx.canChange(entry.author) ? html`<dt>Status</dt><dd>${statusWords(ctx.deliveryOf(entry.id), ctx.receiptOf(entry))}</dd>` : nothing}
  </dl>
  ${mine ? renderReaders(entry, ctx) : nothing}`;
}

function statusWords(state: DeliveryState, receipt: Receipt | null): string {
  if (state !== 'sent' || !receipt) return DELIVERY_WORDS[state];
  return receipt === 'read' ? 'Read' : 'Delivered: a device of another member has it';
}

/** Who read one of the user's messages, and when their device said so. */
function renderReaders(entry: TimelineEntry, ctx: SheetContext) {
  const receipts = ctx.receiptsOf(entry);
  if (!receipts) return nothing;
  if (!ctx.showReads) return html`<p class="info-note">Read receipts are off in Settings: you do not send them, and do not see others'.</p>`;
  return html`<h3 class="info-head">Read by</h3>
    ${receipts.readBy.length === 0
      ? html`<p class="info-note">Nobody yet.</p>`
      : html`<ul class="readers" aria-label="Read by">
          ${receipts.readBy.map((r) => html`<li><span>${ctx.nameOf(r.device)}</span> <span class="when">${fullTimestamp.format(r.at)}</span></li>`)}
        </ul>`}`;
}
