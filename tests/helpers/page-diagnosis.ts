/**
 * What a Parley page can say about where a message stopped, for a test that waited in vain
 * (docs/architecture.md §13): whether the open conversation's timeline holds the text
 * (delivery) and whether the list renders it (the view), the page's links and rooms as the
 * mesh holds them (`diagnosis.ts`, as a Node peer reports its own: paths, queued bytes,
 * whether each link's frame chain and the room's apply chain are still busy), this device's
 * own messages not yet Sent, the mailbox's cursors, and the page's newest log lines.
 *
 * It reaches into the client's private parts on purpose: it is read once, after a failure,
 * to say which of them stopped. It never throws; a page that does not answer says so.
 */
import type { Page } from 'playwright-core';
import { describeMesh, formatDiagnosis, LOG_LINES, settled, type MeshState, type Settled } from './diagnosis.js';

/** How long a page may take to answer before it is reported as not answering. */
const ANSWER_MS = 5_000;

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
  // As an expression, so the shared parts go with it: a function handed to the page as an
  // argument would not survive the trip (and the app's CSP forbids evaluating source there).
  const answer = (page.evaluate(`(${readState.toString()})(${JSON.stringify(text)}, ${describeMesh.toString()}, ${settled.toString()})`) as Promise<Record<string, unknown>>).catch(
    (error: unknown) => `(could not read the page: ${String(error)})`,
  );
  const late = new Promise<string>((resolve) => setTimeout(() => resolve(`(the page did not answer within ${ANSWER_MS} ms)`), ANSWER_MS));
  return formatDiagnosis(label, await Promise.race([answer, late]), recentLog(page));
}

/** Runs in the page, with `describeMesh` and `settled`. Everything is optional: a part that is missing reads as absent. */
async function readState(text: string, describe: (mesh: unknown, settle: Settled) => Promise<MeshState>, settled: Settled): Promise<Record<string, unknown>> {
  type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const out: Record<string, unknown> = { at: new Date().toISOString(), hash: location.hash, visibility: document.visibilityState };
  try {
    const app = document.querySelector('parley-app') as Any;
    const client = app?.client;
    out.signaling = client?.connection;
    // A failure the app showed the user (a refused mailbox append lands here, not in the log).
    out.shownError = app?.error ? String(app.error.message ?? app.error) : null;
    const id = /^#\/c\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '';
    const session = client?.get(id);
    // The page's client holds the promise of its mesh (client/network-handles.ts): none yet reads as absent.
    const mesh = await Promise.race([client?.parts?.mesh, null]);
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
    if (mesh) Object.assign(out, await describe(mesh, settled));
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
