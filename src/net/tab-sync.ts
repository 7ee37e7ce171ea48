/**
 * Keeps the documents of tabs of one browser profile in step over BroadcastChannel
 * (docs/architecture.md §5), so a second tab sees what the first wrote even with no network at
 * all, when WebRTC cannot connect them.
 *
 * The channel is open to every page of the origin, not only Parley's tabs: anything posted
 * on it is as untrusted as a peer's frame (docs/architecture.md §8.3). So every `state` and
 * `update` goes through the document's own authorizer before it is applied — the same
 * checks as an update from a peer — one at a time per document. A bad one is dropped and
 * logged, never thrown; a gap asks the other tabs for their state. The cost is a second
 * check of a large history a tab received from a peer, which the other tab then verifies
 * again (chain tips and hashes; measured in the same range as the first).
 *
 * Protocol per document: a tab that adds a document says `hello` with its state vector;
 * every tab holding it answers with the difference (`state`) and a `hello` of its own
 * addressed to the newcomer, which answers likewise. After that, every local change goes
 * out as an `update`.
 */
import * as Y from 'yjs';
import type { Verdict } from '../core/authorship/authorizer.js';
import type { UpdateDecode } from '../core/authorship/decoded-update.js';
import { randomBytes, toBase64Url } from '../core/bytes.js';
import { errorField, silentLogger, type Logger } from '../core/logger.js';
import { applyRead, ReadValues } from './read-values.js';

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

/** What a tab asks before applying another tab's update: the document's own authorizer. */
export interface TabPolicy {
  authorize(update: Uint8Array, decode?: UpdateDecode): Promise<Verdict>;
}

interface TabDoc {
  readonly doc: Y.Doc;
  readonly policy: TabPolicy;
  readonly onUpdate: (update: Uint8Array, origin: unknown) => void;
  /** Updates from other tabs are checked and applied strictly in order. */
  chain: Promise<void>;
  /** A gap was seen and a fresh state asked for. */
  asked: boolean;
}

export class TabSync {
  /** This tab, so it can ignore replies meant for others. */
  readonly id = toBase64Url(randomBytes(12));
  private readonly docs = new Map<string, TabDoc>();
  private closed = false;

  constructor(
    private readonly channel: TabChannel,
    private readonly logger: Logger = silentLogger,
  ) {
    channel.onmessage = (event) => this.receive(event.data);
  }

  /** Browsers: one channel per origin. Returns null where BroadcastChannel is missing. */
  static forBrowser(name = 'parley-tabs', logger: Logger = silentLogger): TabSync | null {
    return typeof BroadcastChannel === 'undefined' ? null : new TabSync(new BroadcastChannel(name), logger);
  }

  /** Starts syncing a document (already loaded from storage) with the other tabs. */
  add(docId: string, doc: Y.Doc, policy: TabPolicy): void {
    if (this.closed || this.docs.has(docId)) return;
    const onUpdate = (update: Uint8Array, origin: unknown): void => {
      if (origin !== TAB_ORIGIN) this.post({ doc: docId, kind: 'update', data: update });
    };
    doc.on('update', onUpdate);
    this.docs.set(docId, { doc, policy, onUpdate, chain: Promise.resolve(), asked: false });
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
      this.logger.warn('tab sync post failed', { error: errorField(error) });
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
        this.logger.warn('bad state vector from another tab', { error: errorField(error) });
        return;
      }
      this.post({ to: message.from, doc: message.doc, kind: 'state', data: diff });
      // A directed hello is already the answer to ours; answering it again would loop.
      if (message.to === undefined) this.post({ to: message.from, doc: message.doc, kind: 'hello', data: Y.encodeStateVector(doc) });
      return;
    }
    const data = message.data;
    entry.chain = entry.chain
      .then(async () => {
        if (this.docs.get(message.doc) !== entry) return;
        const read = new ReadValues();
        const verdict = await entry.policy.authorize(data, read.decode);
        if (!verdict.ok) {
          if (verdict.reason === 'gap' && !entry.asked) {
            // Missing history: ask the other tabs for what they hold, once per gap.
            entry.asked = true;
            this.post({ doc: message.doc, kind: 'hello', data: Y.encodeStateVector(doc) });
          } else if (verdict.reason !== 'gap') {
            this.logger.warn('refused an update from the tab channel', { reason: verdict.reason, detail: verdict.detail.slice(0, 200) });
          }
          return;
        }
        if (message.kind === 'state') entry.asked = false;
        if (!verdict.empty) applyRead(doc, data, TAB_ORIGIN, read);
      })
      .catch((error: unknown) => this.logger.warn('update from another tab failed to apply', { error: errorField(error) }));
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
