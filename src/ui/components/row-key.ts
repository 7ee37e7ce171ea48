/**
 * Everything one row of the message list shows, as a list of values compared by identity:
 * the list renders a row again only when one of them changed (Lit's `guard`). Timeline
 * entries are replaced, never changed in place (core/timeline.ts), so the entry itself
 * stands for its text, edits, reactions and deletion; the rest is what `renderRow` reads
 * from around the entry (its neighbour, names, delivery, the list's per-row state).
 *
 * Without it, each of the several list renders a text causes re-rendered every visible row
 * (docs/architecture.md §11). A value read by `renderRow` and missing here shows stale
 * until something else about the row changes: keep the two together.
 */
import type { TimelineEntry } from '../../core/timeline.js';
import { dayKey } from '../day-label.js';
import { continuesGroup, type RowContext } from './message-row.js';

/** `extra`: what the caller knows changes a row beyond this (a file's state). */
export function rowKey(entry: TimelineEntry, index: number, prev: TimelineEntry | undefined, ctx: RowContext, extra: unknown): unknown[] {
  const { id, author } = entry;
  const mine = ctx.isMine(author);
  const run = ctx.blockedRun(id);
  const original = entry.replyTo ? ctx.lookup(entry.replyTo) : undefined;
  return [
    entry,
    index,
    // The day separator ("Today" turns into "Yesterday" at midnight) and the header's grouping.
    prev === undefined || dayKey(prev.at) !== dayKey(entry.at) ? dayKey(ctx.now) : -1,
    continuesGroup(prev, entry, ctx),
    id === ctx.unreadId,
    mine,
    ctx.canChange(author),
    ctx.nameOf(author, entry.at),
    ctx.avatarOf(author),
    ctx.isBot(author),
    ctx.isVerified(author),
    mine ? ctx.deliveryOf(id) : null,
    mine ? ctx.receiptOf(entry) : null,
    original,
    original ? ctx.nameOf(original.author) : null,
    entry.reactions.size > 0 ? reactorNames(entry, ctx) : '',
    ctx.editing === id,
    ctx.editing === id ? ctx.editRefused : 0,
    ctx.confirmingDelete === id,
    ctx.expanded.has(id),
    ctx.highlight === id,
    ctx.touch,
    run ? `${run.first} ${run.count} ${run.open}` : '',
    extra,
  ];
}

/** Reactions show who reacted by name: a rename shows there too. */
function reactorNames(entry: TimelineEntry, ctx: RowContext): string {
  let names = '';
  for (const devices of entry.reactions.values()) for (const d of devices) names += `${ctx.isMine(d) ? 'You' : ctx.nameOf(d)}\n`;
  return names;
}
