/**
 * Applies a large checked update without Yjs encoding it a second time (docs/architecture.md
 * §5.6). After a transaction Yjs writes its changes out as an update for the doc's `update`
 * listeners (the rooms, the tab channel, IndexedDB): for a 100k-message history that is every
 * string encoded again, 0.5 s of a late joiner's main thread. When the update held nothing
 * the doc already had (`fresh`, decoded-update.ts) and the doc did not move since it was
 * checked, what the transaction added is exactly that update, so the listeners get its bytes
 * as they came instead.
 *
 * Yjs offers no switch for this: it encodes whenever the doc has `update` listeners. They
 * are taken off for the one check that follows this transaction's cleanup and put back at
 * once, before any transaction that starts meanwhile (an observer's write) is cleaned up,
 * so such a write still reaches every listener through Yjs's own encoding.
 */
import * as Y from 'yjs';
import { equalBytes } from '../core/bytes.js';
import { applyRead, type ReadValues } from './read-values.js';

/**
 * Updates at least this large may skip the second encoding: a history, not a live message,
 * whose way to the screen stays Yjs's own.
 */
export const FRESH_APPLY_MIN_BYTES = 64 * 1024;

type Listener = (update: Uint8Array, origin: unknown, doc: Y.Doc, transaction: Y.Transaction) => void;

/** The doc's state vector before a large update is checked (null for a small one), for `applyChecked`. */
export function stateBeforeCheck(doc: Y.Doc, update: Uint8Array): Uint8Array | null {
  return update.length >= FRESH_APPLY_MIN_BYTES ? Y.encodeStateVector(doc) : null;
}

/**
 * Applies a checked update: through `applyFresh` when it was fresh and the doc has not moved
 * since `before` (another path may have applied part of it meanwhile), else as Yjs does.
 * With `read`, the values the check read from these bytes, Yjs takes them instead of reading
 * every value again (read-values.ts).
 */
export function applyChecked(doc: Y.Doc, update: Uint8Array, origin: unknown, fresh: boolean, before: Uint8Array | null, read?: ReadValues): void {
  if (fresh && before !== null && equalBytes(before, Y.encodeStateVector(doc))) applyFresh(doc, update, origin, read);
  else applyRead(doc, update, origin, read);
}

/** Applies `update` (checked, fresh) with `origin`, handing its own bytes to `update` listeners. */
export function applyFresh(doc: Y.Doc, update: Uint8Array, origin: unknown, read?: ReadValues): void {
  const observers = (doc as unknown as { _observers?: unknown })._observers;
  // Should a later lib0 keep its listeners otherwise, this is Yjs's own path again.
  if (!(observers instanceof Map)) return applyRead(doc, update, origin, read);
  return applyHidden(doc, update, origin, observers as Map<string, Set<Listener>>, read);
}

function applyHidden(doc: Y.Doc, update: Uint8Array, origin: unknown, observers: Map<string, Set<Listener>>, read: ReadValues | undefined): void {
  // Listeners may keep the bytes (IndexedDB stores them): never a view into a larger frame.
  const bytes = update.byteOffset === 0 && update.byteLength === update.buffer.byteLength ? update : update.slice();
  let hidden: Set<Listener> | undefined;
  let done = false;
  const restore = (): void => {
    if (hidden === undefined) return;
    if (observers.has('update')) for (const f of observers.get('update')!) hidden.add(f);
    observers.set('update', hidden);
    hidden = undefined;
  };
  const onTransaction = (): void => restore();
  const onCleanup = (transaction: Y.Transaction): void => {
    restore();
    if (done || transaction.origin !== origin) return;
    done = true;
    const listeners = observers.get('update');
    if (!listeners || listeners.size === 0) return;
    for (const f of [...listeners]) f(bytes, origin, doc, transaction);
    hidden = listeners;
    observers.delete('update');
  };
  doc.on('afterTransaction', onTransaction);
  doc.on('afterTransactionCleanup', onCleanup);
  try {
    applyRead(doc, update, origin, read);
  } finally {
    doc.off('afterTransaction', onTransaction);
    doc.off('afterTransactionCleanup', onCleanup);
    restore();
  }
}
