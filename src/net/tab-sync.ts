/**
 * Keeps the documents of tabs of one browser profile in step over BroadcastChannel
 * (docs/architecture.md §5), so a second tab sees what the first wrote even with no network at
 * all, when WebRTC cannot connect them.
 *
 * Tabs of one profile share the device's keys and IndexedDB: they are one trust domain.
 * Everything in a tab's document was either written there or authorized before it was
 * applied, so updates from another tab are applied without a second authorization (which
 * would double the cost of every large history a tab receives from a peer). Messages are
 * still shape-checked, and a bad one is dropped, never thrown.
 *
 * Protocol per document: a tab that adds a document says `hello` with its state vector;
 * every tab holding it answers with the difference (`state`) and a `hello` of its own
 * addressed to the newcomer, which answers likewise. After that, every local change goes
 * out as an `update`.
 */
import * as Y from 'yjs';
import { randomBytes, toBase64Url } from '../core/bytes.js';

const TAB_ORIGIN = Symbol('parley-tab');
const KINDS = ['hello', 'state', 'update'] as const;
type Kind = (typeof KINDS)[number];

interface TabMessage {
  readonly v: 1;
  readonly from: string;
  /** Set on replies meant for one tab; others ignore them. */
  readonly to?: string;
  readonly doc: string;
  readonly kind: Kind;
  readonly data: Uint8Array;
}

/** The part of BroadcastChannel used here, so tests can pair channels. */
export interface TabChannel {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

/** Longest doc id accepted (topics are 64 hex characters; the self doc is "self"). */
const MAX_DOC_ID = 128;

export class TabSync {
  /** This tab, so it can ignore replies meant for others. */
  readonly id = toBase64Url(randomBytes(12));
  private readonly docs = new Map<string, { doc: Y.Doc; onUpdate: (update: Uint8Array, origin: unknown) => void }>();
  private closed = false;

  constructor(private readonly channel: TabChannel) {
    channel.onmessage = (event) => this.receive(event.data);
  }

  /** Browsers: one channel per origin. Returns null where BroadcastChannel is missing. */
  static forBrowser(name = 'parley-tabs'): TabSync | null {
    return typeof BroadcastChannel === 'undefined' ? null : new TabSync(new BroadcastChannel(name));
  }

  /** Starts syncing a document (already loaded from storage) with the other tabs. */
  add(docId: string, doc: Y.Doc): void {
    if (this.closed || this.docs.has(docId)) return;
    const onUpdate = (update: Uint8Array, origin: unknown): void => {
      if (origin !== TAB_ORIGIN) this.post({ doc: docId, kind: 'update', data: update });
    };
    doc.on('update', onUpdate);
    this.docs.set(docId, { doc, onUpdate });
    this.post({ doc: docId, kind: 'hello', data: Y.encodeStateVector(doc) });
  }

  remove(docId: string): void {
    const entry = this.docs.get(docId);
    if (!entry) return;
    entry.doc.off('update', entry.onUpdate);
    this.docs.delete(docId);
  }

  destroy(): void {
    for (const docId of [...this.docs.keys()]) this.remove(docId);
    this.closed = true;
    this.channel.onmessage = null;
    this.channel.close();
  }

  private post(message: Omit<TabMessage, 'v' | 'from'>): void {
    if (this.closed) return;
    try {
      this.channel.postMessage({ v: 1, from: this.id, ...message } satisfies TabMessage);
    } catch (error) {
      // A closed channel (tab shutting down) is not worth an error on screen.
      console.warn('parley: tab sync post failed', error);
    }
  }

  private receive(raw: unknown): void {
    const message = parseMessage(raw);
    if (!message || message.from === this.id || (message.to !== undefined && message.to !== this.id)) return;
    const entry = this.docs.get(message.doc);
    if (!entry) return;
    const { doc } = entry;
    if (message.kind === 'hello') {
      let diff: Uint8Array;
      try {
        diff = Y.encodeStateAsUpdate(doc, message.data);
      } catch (error) {
        console.warn('parley: bad state vector from another tab', error);
        return;
      }
      this.post({ to: message.from, doc: message.doc, kind: 'state', data: diff });
      // A directed hello is already the answer to ours; answering it again would loop.
      if (message.to === undefined) this.post({ to: message.from, doc: message.doc, kind: 'hello', data: Y.encodeStateVector(doc) });
      return;
    }
    try {
      Y.applyUpdate(doc, message.data, TAB_ORIGIN);
    } catch (error) {
      console.warn('parley: update from another tab failed to apply', error);
    }
  }
}

function parseMessage(raw: unknown): TabMessage | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as Record<string, unknown>;
  if (m.v !== 1 || typeof m.from !== 'string' || typeof m.doc !== 'string' || m.doc.length > MAX_DOC_ID) return null;
  if (m.to !== undefined && typeof m.to !== 'string') return null;
  if (!KINDS.includes(m.kind as Kind) || !(m.data instanceof Uint8Array)) return null;
  return m as unknown as TabMessage;
}
