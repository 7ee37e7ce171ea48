/**
 * The account's lifecycle on this device: loading it, registering a new one or linking this
 * device to an existing one, then starting what depends on it — the self doc, the stored
 * contacts, every stored conversation, the contact book — in that order.
 */
import { fromBase64Url } from '../core/bytes.js';
import { deriveConversationKeys } from '../core/keys.js';
import { errorField } from '../core/logger.js';
import { blockWithholds } from '../core/membership/blocks.js';
import type { Account } from '../store/types.js';
import { createAccount, createDeviceDh } from './account.js';
import type { ClientServices } from './client-services.js';
import type { ContactBook } from './contact-book.js';
import { ContactDirectory } from './contact-directory.js';
import { rotatable } from './conversation-registry.js';
import type { ConversationActions } from './conversation-actions.js';
import { ClientError } from './errors.js';
import { whenThere } from './network-handles.js';
import { assertProfile, type Profile } from './profile.js';
import { SelfSession } from './self-session.js';

const SELF_DOC = 'self';

/** Where the contact book's load stands (`loadContacts`); 'idle' until it is first asked for. */
export type ContactsStatus = 'idle' | 'loading' | 'ready' | 'failed';

export class AccountStartup {
  private backgroundOpening: Promise<void> | null = null;
  private bookLoad: Promise<ContactBook> | null = null;
  contactsStatus: ContactsStatus = 'idle';

  constructor(
    private readonly s: ClientServices,
    private readonly actions: ConversationActions,
    private readonly profile: Profile,
  ) {}

  /** Loads the account and opens the self doc and every stored conversation. */
  async start(): Promise<void> {
    const { parts, state } = this.s;
    let account = await parts.accounts.get();
    if (!account) return;
    // Accounts from before epochs get this device's X25519 key now.
    if (!account.dh?.length) {
      account = { ...account, dh: [await createDeviceDh(this.s.now())] };
      await parts.accounts.put(account);
    }
    state.me = account;
    await this.startAccount();
  }

  async register(name: string, avatar?: string): Promise<Account> {
    const clean = name.trim();
    // The avatar is not checked here, as before: the UI made it from a resized image.
    assertProfile(clean, undefined);
    if (this.s.state.me) return this.s.state.me;
    return this.adoptAccount(await createAccount(clean, this.s.now(), avatar));
  }

  /** Links this (new) device to an account on another device, from the link that device shows. */
  async link(link: string, onCode?: (code: string) => void): Promise<Account> {
    const { parts } = this.s;
    if (this.s.state.me) throw new ClientError('already-registered');
    // Linking runs once per device: its code loads then, not with the app (docs/architecture.md §11).
    const { requestDeviceLink } = await import('./device-link.js');
    return this.adoptAccount(await requestDeviceLink(link, parts.signaling, parts.verifyKeys, parts.deviceLabel ?? 'Linked device', this.s.now, onCode));
  }

  /** Every conversation has loaded (tests and shutdown). */
  async whenAllLoaded(): Promise<void> {
    await this.backgroundOpening;
  }

  /** Saves a new account for this device (labelled) and starts everything that needs it. */
  private async adoptAccount(made: Account): Promise<Account> {
    const { parts } = this.s;
    const account = { ...made, ...(parts.deviceLabel ? { label: parts.deviceLabel } : {}), ...(parts.bot ? { bot: true } : {}) };
    try {
      await parts.accounts.put(account);
    } catch (cause) {
      throw new ClientError('storage-failed', { cause, detail: { what: 'account' } });
    }
    this.s.state.me = account;
    await this.startAccount();
    return account;
  }

  private async startAccount(): Promise<void> {
    const { parts, state, opener, conversations } = this.s;
    const account = this.s.requireAccount();
    const selfKeys = await deriveConversationKeys(fromBase64Url(account.selfSecret)!);
    const self = new SelfSession(selfKeys, account, parts.verifyKeys, this.s.now);
    state.self = self;
    await self.open(parts.docs.open(SELF_DOC, self.synced.doc), (x) => opener.attach(selfKeys.topic, selfKeys, x.synced.doc, x.awareness, x.synced.policy));
    const contacts = new ContactDirectory(self, account.device.id);
    state.contacts = contacts;
    contacts.on('changed', () => {
      // A contact's name or verification may have changed how members are told apart.
      for (const x of conversations.sessions()) x.members.forgetLabels();
      this.s.changed();
    });
    contacts.on('blocked', (identity, here) => {
      const blocked = contacts.isBlocked(identity);
      if (blocked) void whenThere(parts.mesh, (mesh) => mesh.disconnectIdentity(identity));
      for (const x of conversations.sessions()) x.refilter();
      // Where a block withholds (a 1:1, not a group even of two: blockWithholds, §4.4).
      const direct = rotatable(conversations.sessions()).filter((x) => blockWithholds(x.record) && x.membership.isMember(identity));
      if (!here) {
        // The device that decided rotates. This one looks whether a block the user has since
        // lifted still waits for an unblock on top (the upkeep's, docs/architecture.md §4.4).
        for (const x of direct) x.followEpochs().catch((error: unknown) => this.s.events.emit('error', [error as Error]));
        return;
      }
      // A 1:1 with them moves to a new epoch: while blocked one they hold no share of, so
      // they read nothing this user writes after; unblocked, one that seals them back in
      // (docs/architecture.md §4.4). What they send can still reach this device, hidden:
      // the epoch left behind is watched for stragglers, and receipts count only what is
      // shown (§7.5).
      Promise.all(direct.map((x) => x.changes.rotate(blocked ? 'blocked' : 'unblocked'))).catch((error: unknown) => this.s.events.emit('error', [error as Error]));
    });
    // Another device of this user may have changed the name while this one was away.
    await this.profile.adopt().catch((error: unknown) => this.s.events.emit('error', [error as Error]));
    self.on('changed', () => {
      void this.adoptFromSelf();
      this.profile.adopt().catch((error: unknown) => this.s.events.emit('error', [error as Error]));
      this.s.handoff.refresh();
      this.s.renewal.refresh();
      // Read markers from the user's other devices change unread counts.
      this.s.changed();
    });
    // Before the conversations open, so they write their member records with a current certificate.
    await this.s.renewal.start();
    await this.openAll();
    // The page loads the book once its list is on screen: nothing there needs it sooner.
    if (parts.contactsAfter) void parts.contactsAfter.then(() => this.loadContacts()).catch(() => undefined);
    else await this.loadContacts();
    this.s.desk.start();
    state.started = true;
    this.s.registration.start();
    this.s.changed();
  }

  /**
   * The contact book, loaded and started once (again after a failure: Try again). Its code
   * loads on first use (docs/architecture.md §11); a failure to load it is ClientError
   * 'contacts-unavailable', and `contactsStatus` says 'failed' until a later call loads it.
   */
  loadContacts(): Promise<ContactBook> {
    if (!this.bookLoad) {
      this.contactsStatus = 'loading';
      this.bookLoad = this.startBook().then(
        (book) => {
          this.contactsStatus = 'ready';
          this.s.changed();
          return book;
        },
        (error: unknown) => {
          this.bookLoad = null;
          this.contactsStatus = 'failed';
          this.s.logger.error('the contact book could not load', { error: errorField(error) });
          this.s.changed();
          throw error;
        },
      );
    }
    return this.bookLoad;
  }

  private async startBook(): Promise<ContactBook> {
    const { parts, state } = this.s;
    const contacts = state.contacts;
    if (!contacts) throw new ClientError('not-registered');
    const { ContactBook } = await import('./contact-book.js').catch((cause: unknown) => {
      throw new ClientError('contacts-unavailable', { cause });
    });
    // The client was destroyed while the code loaded.
    if (state.contacts !== contacts) throw new ClientError('not-registered');
    const book = new ContactBook({
      account: this.s.requireAccount(),
      self: state.self!,
      signaling: parts.signaling,
      verifyKeys: parts.verifyKeys,
      appUrl: parts.appUrl,
      now: this.s.now,
      openDirect: (peer) => this.actions.openDirect(peer),
      hasJoined: (identity) => this.actions.hasJoined(identity),
      directory: contacts,
      ...(parts.safetyNumbers ? { safetyNumbers: parts.safetyNumbers } : {}),
      logger: this.s.logger,
    });
    try {
      await book.start();
    } catch (error) {
      book.destroy();
      throw error;
    }
    state.book = book;
    return book;
  }

  /**
   * Opens every stored conversation: all of them appear at once with their cached newest
   * messages, and their documents load one after another in the background, newest first,
   * so the app does not wait for a long history before it is usable.
   */
  private async openAll(): Promise<void> {
    const { conversations } = this.s;
    const created = await this.s.opener.registerStored();
    this.backgroundOpening = (async () => {
      let first = true;
      for (const session of created) {
        // Let the page paint between heavy document loads; before the first, until the cached
        // newest messages are on screen (`painted`).
        await (first ? painted() : new Promise((resolve) => setTimeout(resolve, 0)));
        first = false;
        if (conversations.get(session.id) !== session) continue;
        await conversations.load(session.id).catch((error) => this.s.events.emit('error', [error as Error]));
      }
      await this.adoptFromSelf();
    })();
  }

  /**
   * Conversations another device of this user added reach this one through the self doc:
   * 1:1 chats and older groups by their secret, groups with epochs by a key handoff.
   */
  private async adoptFromSelf(): Promise<void> {
    const self = this.s.state.self;
    if (self) await this.s.opener.adoptFromSelf(self, (id) => this.s.handoff.received(id)).catch((error) => this.s.events.emit('error', [error as Error]));
  }
}

/**
 * Resolves once the page has drawn what it shows now: two animation frames, the second
 * starting after the first was painted. The first document load takes the page's thread for
 * as long as its history is long (seconds at 100k messages), and the app opened at a
 * conversation shows that conversation's cached newest messages, which its message list
 * draws in the frame after the view mounts. A `setTimeout(0)` alone let the load start
 * before that frame whenever other start-up work (the network part, loaded right after the
 * list) filled the gap: 8 of 15 opens of a 100k conversation then showed the newest message
 * only after the whole history (docs/architecture.md §11). A hidden page draws no frames,
 * and frames can stop coming: then it resolves at once, or after `MAX_WAIT_MS`.
 */
function painted(): Promise<void> {
  const MAX_WAIT_MS = 250;
  const visible = typeof document !== 'undefined' && document.visibilityState === 'visible' && typeof requestAnimationFrame === 'function';
  return new Promise((resolve) => {
    if (!visible) {
      setTimeout(resolve, 0);
      return;
    }
    const timer = setTimeout(resolve, MAX_WAIT_MS);
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        clearTimeout(timer);
        setTimeout(resolve, 0);
      }),
    );
  });
}
