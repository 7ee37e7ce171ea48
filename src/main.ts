/**
 * Composition root (docs/architecture.md §9): read config, build every part, mount <parley-app>.
 * Nothing else in the app constructs stores, sockets or peers.
 */
import { ParleyClient } from './client/parley-client.js';
import { VerifyKeyCache } from './core/identity/keys.js';
import { SignalingSlot } from './net/signaling-slot.js';
import type { PageNetwork } from './page-network.js';
import { IdbAccountStore, IdbConversationStore, IdbOutboxStore, openAppDatabase } from './store/app-db.js';
import { MailboxClient } from './net/mailbox-client.js';
import { IdbMailboxStateStore } from './store/mailbox-state.js';
import { IdbSettingsStore } from './store/settings-store.js';
import { PwaController } from './pwa/pwa-controller.js';
import { IdbDocStore } from './store/doc-store.js';
import { IdbDraftStore } from './store/draft-store.js';
import { LocalDraftCopy } from './store/draft-copy.js';
import { LocalReadMarkerCopy } from './store/read-marker-copy.js';
import { Drafts } from './client/drafts.js';
import { DEFAULT_MAX_FILE_BYTES } from './core/files/file-ref.js';
import { errorField, type Logger } from './core/logger.js';
import './ui/app-shell.js';

export interface AppConfig {
  /** Where the signaling server lives; the page's own origin by default. */
  readonly serverUrl: string;
  /** Base for invite links. */
  readonly appUrl: string;
  readonly iceServers: readonly RTCIceServer[];
  /** Largest file members may send (the server's MAX_FILE_BYTES). */
  readonly maxFileBytes: number;
  /** Largest file the mailbox keeps for offline members (the server's MAILBOX_MAX_FILE_BYTES; 0: none). */
  readonly mailboxMaxFileBytes: number;
}

async function loadConfig(): Promise<AppConfig> {
  const origin = location.origin;
  let iceServers: RTCIceServer[] = [];
  let maxFileBytes = DEFAULT_MAX_FILE_BYTES;
  // Unknown until the server says: an offline start sends files peer to peer only.
  let mailboxMaxFileBytes = 0;
  try {
    const res = await fetch('/api/config', { cache: 'no-store' });
    if (res.ok) {
      const body = (await res.json()) as { iceServers?: RTCIceServer[]; maxFileBytes?: unknown; mailboxMaxFileBytes?: unknown };
      if (Array.isArray(body.iceServers)) iceServers = body.iceServers;
      if (typeof body.maxFileBytes === 'number' && Number.isSafeInteger(body.maxFileBytes) && body.maxFileBytes > 0) maxFileBytes = body.maxFileBytes;
      if (typeof body.mailboxMaxFileBytes === 'number' && Number.isSafeInteger(body.mailboxMaxFileBytes) && body.mailboxMaxFileBytes >= 0) mailboxMaxFileBytes = body.mailboxMaxFileBytes;
    }
  } catch {
    // Offline start: peers on the same network still connect with host candidates.
  }
  return { serverUrl: origin, appUrl: origin + location.pathname, iceServers, maxFileBytes, mailboxMaxFileBytes };
}

/** "Chrome on Linux"-style label for the device list; never sent to the server. */
function deviceLabel(): string {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chromium' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS/.test(ua) ? 'macOS' : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : 'a device';
  return `${browser} on ${os}`;
}

/** The page's log lines go to the browser console (the composition root chooses). */
const consoleLogger: Logger = {
  info: (message, fields) => console.info(`parley: ${message}`, fields ?? ''),
  warn: (message, fields) => console.warn(`parley: ${message}`, fields ?? ''),
  error: (message, fields) => console.error(`parley: ${message}`, fields ?? ''),
};

async function boot(): Promise<void> {
  // Opened at a conversation (a link, a notification, a reload there): its view loads before
  // the client starts, so the conversation's cached newest messages show before the load of
  // its documents takes this thread. Loaded after the list instead, a 100k-message
  // conversation showed its newest message only once the whole history was in (median
  // 1.83 s in `npm run bench -- open-history`; 195 ms with the view first), docs/architecture.md
  // §11 "Loaded on first use". A failure is the shell's to show, as for any part loaded on
  // first use.
  const openedAt = /^#\/c\//.test(location.hash) ? import('./ui/views/conversation-view.js').catch(() => undefined) : null;
  const app = document.querySelector('parley-app') ?? document.body.appendChild(document.createElement('parley-app'));
  const config = await loadConfig();
  const db = await openAppDatabase();
  // The socket opens with the mesh (page-network.ts); until then the client's sends fail as on
  // a socket not yet connected, and go again on 'connected' as after any drop.
  const signaling = new SignalingSlot();
  const verifyKeys = new VerifyKeyCache();
  // The network's handshake reads the account when a peer connects: it may not exist yet.
  let client: ParleyClient | null = null;
  // Files load beside the first screen, not before it (docs/architecture.md §11, §14.4). One
  // worker takes every direct link's file chunks off this page's thread (§14.2); links made
  // before it exists wait for it, and go without it if the files part failed to load.
  const filesPart = import('./client/files/page-files.js');
  const bulk = filesPart.then(({ pageBulkHost }) => pageBulkHost());
  const linkBulk = bulk.catch(() => undefined);
  // The network loads after the list has shown from storage (docs/architecture.md §11): the
  // client starts on the slot and on the promise of the mesh and the tabs' sync, and what it
  // asks of them meanwhile runs once they are there (client/network-handles.ts).
  let networkLoaded!: (network: PageNetwork) => void;
  const network = new Promise<PageNetwork>((resolve) => (networkLoaded = resolve));
  const loadNetwork = (): void => {
    app.network = 'loading';
    import('./page-network.js').then(
      ({ startPageNetwork }) => {
        networkLoaded(startPageNetwork({ serverUrl: config.serverUrl, slot: signaling, verifyKeys, account: () => client?.deviceAccount ?? null, iceServers: config.iceServers, bulk: linkBulk, logger: consoleLogger }));
        app.network = 'ready';
      },
      (error: unknown) => {
        consoleLogger.error('the network part could not load', { error: errorField(error) });
        app.network = 'failed';
      },
    );
  };
  app.retryNetwork = loadNetwork;
  const pwa = new PwaController({ serverUrl: config.serverUrl, settings: new IdbSettingsStore(db), mailboxes: () => client?.mailboxCredentials() ?? [], logger: consoleLogger });
  const drafts = new Drafts(new IdbDraftStore(db), consoleLogger, new LocalDraftCopy(localStorage));
  // The contact book (links, requests, safety numbers) loads once the list is on screen; the
  // shell says if it could not, with Try again (docs/architecture.md §11).
  let listShown!: () => void;
  const contactsAfter = new Promise<void>((resolve) => (listShown = resolve));
  client = new ParleyClient({
    accounts: new IdbAccountStore(db),
    verifyKeys,
    conversations: new IdbConversationStore(db),
    outbox: new IdbOutboxStore(db),
    docs: new IdbDocStore(),
    signaling,
    mesh: network.then((n) => n.mesh),
    // Other tabs of this profile, over BroadcastChannel: they stay in step with no network.
    tabs: network.then((n) => n.tabs),
    appUrl: config.appUrl,
    deviceLabel: deviceLabel(),
    logger: consoleLogger,
    readMarkers: new LocalReadMarkerCopy(localStorage),
    drafts,
    contactsAfter,
    mailbox: {
      client: new MailboxClient(config.serverUrl),
      progress: new IdbMailboxStateStore(db),
      exclude: () => pwa.endpointHash,
      onOffline: () => void pwa.requestOutboxSync(),
    },
  });
  window.addEventListener('online', () => client?.networkOnline());
  const started = client;
  pwa.on('message', (m) => {
    if (m.type === 'parley-mailbox') void started.syncMailboxes((s) => s.mailboxCredential?.id === m.mailbox);
    else if (m.topic) location.hash = `#/c/${m.topic}`;
  });
  // Follow with push the mailboxes conversations use now: a new conversation, and a new
  // epoch of one (a join, a removal), whose mailbox has another id. Comparing only how many
  // there were missed the second: after a group's first change of members its messages woke
  // nobody.
  let followed = '';
  started.on('changed', () => {
    const ids = started.mailboxCredentials().map((m) => m.id).sort().join(' ');
    if (ids !== followed) {
      followed = ids;
      void pwa.refreshSubscription();
    }
  });
  app.drafts = drafts;
  app.logger = consoleLogger;
  app.client = client;
  app.pwa = pwa;
  await openedAt;
  await client.start();
  app.markReady();
  // The list is on screen: connect, then load the contact book.
  loadNetwork();
  listShown();
  // Files travel beside the documents, over the same links (docs/architecture.md §14).
  const filesClient = client;
  void Promise.all([filesPart, bulk, network])
    .then(([{ startPageFiles }, host, { mesh }]) =>
      startPageFiles({
        client: filesClient,
        mesh,
        bulk: host,
        maxFileBytes: config.maxFileBytes,
        mailbox: { client: new MailboxClient(config.serverUrl), maxFileBytes: config.mailboxMaxFileBytes },
        logger: consoleLogger,
      }),
    )
    .then(
      (files) => (app.files = files),
      (error: unknown) => {
        consoleLogger.error('files could not load', { error: errorField(error) });
        app.filesFailed = true;
      },
    );
  await pwa.start();
}

boot().catch((error) => {
  console.error('parley: start-up failed', error);
  const p = document.createElement('p');
  p.setAttribute('role', 'alert');
  p.textContent = `Parley could not start: ${(error as Error).message}`;
  document.body.append(p);
});
