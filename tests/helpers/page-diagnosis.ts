/**
 * What a Parley page can say about where a message stopped, for a test that waited in vain
 * (docs/architecture.md §13): whether the open conversation's timeline holds the text
 * (delivery) and whether the list renders it (the view), the page's links as the mesh holds
 * them (paths, queued bytes, whether each link's frame chain and the room's apply chain are
 * still busy), this device's own messages not yet Sent, the mailbox's cursors, and the
 * page's newest log lines.
 *
 * It reaches into the client's private parts on purpose: it is read once, after a failure,
 * to say which of them stopped. It never throws; a page that does not answer says so.
 */
import type { Page } from 'playwright-core';

/** How long a page may take to answer before it is reported as not answering. */
const ANSWER_MS = 5_000;
/** The page's newest log lines kept for a report (the app logs dropped links, failed pushes…). */
export const LOG_LINES = 40;

const logs = new WeakMap<Page, string[]>();

/**
 * Keeps the page's newest console lines from the app (`parley: …`) and any warning or error,
 * with the time, for `diagnosePage`: a link dropped for a violation, or a mailbox append that
 * failed, is only ever said there.
 */
export function recordPageLog(page: Page): void {
  const lines: string[] = [];
  logs.set(page, lines);
  page.on('console', (message) => {
    const type = message.type();
    const text = message.text();
    if (!text.startsWith('parley:') && type !== 'warning' && type !== 'error') return;
    const at = new Date().toISOString().slice(11, 23);
    lines.push(`${at} ${type} ${text}`.slice(0, 400));
    if (lines.length > LOG_LINES) lines.shift();
  });
}

/** The page's newest log lines (`recordPageLog`), oldest first. */
export function recentLog(page: Page): readonly string[] {
  return logs.get(page) ?? [];
}

/** One page's state, each part on its own line as JSON, labelled with `label`. */
export async function diagnosePage(page: Page, label: string, text: string): Promise<string> {
  const answer = page.evaluate(readState, text).then(
    // One line per part: the timeline, the list, each link…
    (state) => Object.entries(state).map(([part, value]) => `\n  ${part}: ${JSON.stringify(value)}`).join(''),
    (error: unknown) => `(could not read the page: ${String(error)})`,
  );
  const late = new Promise<string>((resolve) => setTimeout(() => resolve(`(the page did not answer within ${ANSWER_MS} ms)`), ANSWER_MS));
  const log = recentLog(page);
  return `[${label}] ${await Promise.race([answer, late])}\n  log (newest ${log.length} lines):${log.map((line) => `\n    ${line}`).join('')}`;
}

/** Runs in the page. Everything is optional: a part that is missing reads as absent. */
async function readState(text: string): Promise<Record<string, unknown>> {
  type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const settled = async (promise: Promise<unknown> | undefined): Promise<string> => {
    if (!promise) return 'none';
    // A chain that stays pending for 100 ms while the page is otherwise idle is stuck or busy.
    return Promise.race([promise.then(() => 'idle', () => 'failed'), new Promise<string>((r) => setTimeout(() => r('pending'), 100))]);
  };
  const out: Record<string, unknown> = { at: new Date().toISOString(), hash: location.hash, visibility: document.visibilityState };
  try {
    const app = document.querySelector('parley-app') as Any;
    const client = app?.client;
    out.signaling = client?.connection;
    // A failure the app showed the user (a refused mailbox append lands here, not in the log).
    out.shownError = app?.error ? String(app.error.message ?? app.error) : null;
    const id = /^#\/c\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '';
    const session = client?.get(id);
    const mesh = client?.parts?.mesh;
    if (session) {
      const entries: Any[] = session.timeline.entries.filter((e: Any) => e.kind === 'message');
      out.timeline = {
        messages: entries.length,
        holdsText: entries.some((e: Any) => e.text === text),
        newest: entries.slice(-3).map((e: Any) => String(e.text).slice(0, 40)),
      };
      // The document itself, under the timeline: a text it holds but the timeline lacks was hidden, not lost.
      out.doc = {
        holdsText: (session.synced.log.readAll() as Any[]).some((e: Any) => e.text === text),
        stateVector: Object.fromEntries([...(session.doc.store.clients as Map<number, Any[]>)].map(([client, structs]) => { const last = structs[structs.length - 1]; return [client, last.id.clock + last.length]; })),
        pending: session.doc.store.pendingStructs !== null,
      };
      out.session = { connection: session.connection, peerCount: session.peerCount, peopleConnected: session.peopleConnected, ready: session.ready };
      out.notSent = entries
        .filter((e: Any) => session.isMine(e.author) && session.deliveryState(e.id) !== 'sent')
        .slice(-5)
        .map((e: Any) => `${String(e.text).slice(0, 40)}: ${session.deliveryState(e.id)}`);
      const m = session.mailbox as Any;
      if (m) {
        const courier = m.parts?.courier;
        out.mailbox = {
          readSeq: m.readSeq,
          noticedSeq: m.noticedSeq,
          pulling: m.noticePull !== null,
          pushDue: m.cancelPush !== null,
          retryDue: m.cancelRetry !== null,
          // Pulls, pushes and trims run one at a time: one that never ends holds every later one.
          courierQueue: await settled(courier?.queue),
          courierStopped: courier?.stopped ?? null,
        };
      }
    }
    const list = document.querySelector('parley-app')?.shadowRoot ? findDeep(document, 'parley-message-list') : null;
    if (list) {
      const l = list as Any;
      const v = l.shadowRoot?.querySelector('lit-virtualizer');
      const indexes = [...(v?.querySelectorAll(':scope > [data-index]') ?? [])].map((el: Any) => Number(el.dataset.index));
      out.list = {
        following: l.following,
        // Why it last stopped following, when (ms on the page's clock), and the unread marks and
        // inputs that could have held it (BottomPin, UnreadMarks).
        lastUnpin: l.pin?.lastUnpin ? { ...l.pin.lastUnpin, msAgo: Math.round(performance.now() - l.pin.lastUnpin.at) } : null,
        unread: { readUpTo: l.readUpTo, loading: l.loading, settled: l.marks?.settled, first: l.marks?.first?.id ?? null },
        shown: l.shown?.length,
        renderedUpTo: indexes.length ? Math.max(...indexes) : null,
        rendersText: [...(l.shadowRoot?.querySelectorAll('p.text') ?? [])].some((p: Any) => p.textContent === text),
        scroll: v ? { top: Math.round(v.scrollTop), height: Math.round(v.scrollHeight), client: Math.round(v.clientHeight) } : null,
      };
    }
    if (mesh) {
      const links = [];
      for (const entry of (mesh.entries as Map<string, Any>).values()) {
        const link = entry.link;
        links.push({
          remote: String(entry.remote).slice(0, 8),
          phase: entry.machine.phase,
          attachedRooms: entry.machine.attachedRooms().length,
          open: link.isOpen,
          closed: link.isClosed,
          // The path this side sends on and the one the remote's stream is read from (§5.4).
          send: link.sendPath?.kind ?? null,
          receive: link.recvPath?.kind ?? null,
          heldBytes: link.heldBytes,
          paths: [...link.paths.keys()].map((p: Any) => `${p.kind}${p.isOpen ? '' : p.isClosed ? ' (closed)' : ' (opening)'} buffered ${p.bufferedAmount}`),
          queuedBytes: link.queuedBytes,
          msSinceSyncFrame: Number.isFinite(link.syncHeardAt) ? Math.round(performance.now() - link.syncHeardAt) : null,
          frameChain: await settled(entry.chain),
        });
      }
      out.links = links;
      const rooms = [];
      for (const room of (mesh.rooms as Map<string, Any>).values()) {
        rooms.push({
          topic: String(room.sync.topic).slice(0, 8),
          draining: room.sync.draining !== null,
          seen: room.seen.size,
          // Per attached link: a gap asked for a fresh sync not answered yet; what it reported holding.
          links: [...(room.sync.links as Map<Any, Any>).values()].map((state: Any) => ({ resyncRequested: state.resyncRequested, gapsRefused: state.gaps, acked: Object.fromEntries(state.neighbour.acked()) })),
          relaysWaiting: room.sync.relaysWaiting,
          applyChain: await settled(room.sync.applying),
        });
      }
      out.rooms = rooms;
    }
  } catch (error) {
    out.error = String(error);
  }
  return out;

  function findDeep(root: Document | ShadowRoot, selector: string): Element | null {
    const direct = root.querySelector(selector);
    if (direct) return direct;
    for (const el of root.querySelectorAll('*')) {
      const found = el.shadowRoot ? findDeep(el.shadowRoot, selector) : null;
      if (found) return found;
    }
    return null;
  }
}
