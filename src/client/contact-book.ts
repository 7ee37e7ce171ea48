/**
 * Contacts: my contact link, requests in and out, accepting, blocking, verification and
 * safety numbers. Contact records live in the self doc (so every device of the user has
 * them); requests travel sealed through the recipient's contact inbox, a signaling topic
 * only holders of their contact link can find. What conversations read of contacts from
 * the start, and the events, are the contact directory's (contact-directory.ts): this
 * module loads after the list (docs/architecture.md §11).
 */
import { fromBase64Url, toBase64Url } from '../core/bytes.js';
import { foldName } from '../core/authorship/names.js';
import { contactLink, parseContactLink, type ContactCard } from '../core/identity/contact-link.js';
import { createContactRequest, verifyContactRequest, type ContactRequest } from '../core/identity/contact-request.js';
import type { DeviceId } from '../core/ids.js';
import type { IdentityId, PublicIdentity, VerifyKeyCache } from '../core/identity/keys.js';
import { Disposables } from '../core/lifecycle.js';
import { errorField, silentLogger, type Logger } from '../core/logger.js';
import { formatSafetyNumber } from '../core/identity/safety-number.js';
import { deriveChannel, type ChannelKeys } from '../core/keys.js';
import { openMessage, sealMessage } from '../net/sealed-channel.js';
import type { Signaling } from '../net/signaling-port.js';
import type { Account } from '../store/types.js';
import { ContactDirectory } from './contact-directory.js';
import type { ConversationSession } from './conversation-session.js';
import { PendingRequests, type RequestLimits } from './contact-requests.js';
import { ClientError } from './errors.js';
import { safetyNumberInWorker, type SafetyNumbers } from './safety-number-host.js';
import type { ContactRecord, SelfSession } from './self-session.js';

const INBOX = 'contact inbox';
const RESEND_MS = 15_000;
/**
 * Inbox messages waiting to be handled at most; a flood past it is dropped as it arrives
 * (senders re-send every 15 s). Opening one takes well under a millisecond, and at most
 * `verifyPerMinute` a minute cost signature checks, so the line is short unless flooded.
 */
const INBOX_BACKLOG = 512;

export interface ContactBookParts {
  readonly account: Account;
  readonly self: SelfSession;
  readonly signaling: Signaling;
  readonly verifyKeys: VerifyKeyCache;
  readonly appUrl: string;
  readonly now: () => number;
  /** Opens (creating if needed) the 1:1 conversation with an identity. */
  readonly openDirect: (identity: PublicIdentity) => Promise<ConversationSession>;
  /** Whether the 1:1 conversation already holds a device of this identity. */
  readonly hasJoined: (identity: IdentityId) => boolean;
  /** Rate limits and caps of incoming requests (contact-requests.ts). */
  readonly requestLimits?: RequestLimits;
  /** Works out safety numbers: in a worker unless given (programs without workers give their own). */
  readonly safetyNumbers?: SafetyNumbers;
  /** Where the book's events go and its reads come from; without one, the book makes (and destroys) its own. */
  readonly directory?: ContactDirectory;
  readonly logger?: Logger;
}

/** What `add` did: added (or refreshed) the contact, or stopped to ask about a namesake. */
export type AddResult =
  | { readonly kind: 'added'; readonly contact: ContactRecord }
  | { readonly kind: 'same-name'; readonly name: string; readonly existing: IdentityId };

/** An add waiting for the user: the new contact's name is one a stored contact has. */
export interface SameNameQuestion {
  /** The name the new contact's link carries. */
  readonly name: string;
  /** The contact already known by that name. */
  readonly existing: IdentityId;
}

export class ContactBook {
  /** The stored contacts and the events ('changed', 'blocked'), which the client had from the start. */
  readonly directory: ContactDirectory;
  private inbox: ChannelKeys | null = null;
  /** Listeners on the socket, and the resend interval (from `start()`). */
  private readonly disposables = new Disposables();
  /** Incoming requests: in memory until accepted or blocked, never in the self doc. */
  private readonly requests: PendingRequests;
  /** An add that waits for the user's answer (one at a time; a new add replaces it). */
  private sameName: { readonly card: ContactCard; readonly question: SameNameQuestion } | null = null;
  /** Safety numbers worked out or under way, by the contact's keys (`safetyNumber`). */
  private readonly safetyNumbers = new Map<string, Promise<string>>();
  /** Inbox messages are handled one at a time, in the order they came: the end of the line. */
  private inboxTurn: Promise<void> = Promise.resolve();
  /** Inbox messages waiting for their turn or being handled (at most `INBOX_BACKLOG`). */
  private backlog = 0;

  constructor(private readonly parts: ContactBookParts) {
    this.requests = new PendingRequests(parts.now, parts.requestLimits);
    if (parts.directory) this.directory = parts.directory;
    else {
      const own = (this.directory = new ContactDirectory(parts.self, parts.account.device.id));
      this.disposables.add(() => own.destroy());
    }
    this.directory.attach({
      list: () => this.requests.list().map((p) => this.pendingRecord(p.request, p.firstAt)),
      get: (identity) => {
        const pending = this.requests.get(identity);
        return pending ? this.pendingRecord(pending.request, pending.firstAt) : null;
      },
    });
    const signaling = this.disposables.listenTo(parts.signaling);
    signaling.on('message', this.onSignal);
    signaling.on('status', this.onStatus);
  }

  /** Listens on this user's inbox topic and resends unanswered requests until `destroy()`. */
  async start(): Promise<void> {
    const inbox = await deriveChannel(fromBase64Url(this.parts.account.contactSecret)!, INBOX);
    if (this.disposables.isDisposed) return;
    this.inbox = inbox;
    this.parts.signaling.subscribe(inbox.topic);
    this.disposables.add(() => this.parts.signaling.unsubscribe(inbox.topic));
    this.disposables.interval(() => void this.resendPending(), RESEND_MS);
    await this.resendPending();
  }

  /** This user's contact link: public keys and the inbox secret, all in the fragment. */
  get link(): string {
    const a = this.parts.account;
    return contactLink(this.parts.appUrl, { identity: a.identity, name: a.name, linkSecret: fromBase64Url(a.contactSecret)! });
  }

  /** Stored contacts, and requests waiting for an answer (state 'incoming'). */
  list(): ContactRecord[] {
    return this.directory.list();
  }

  get(identity: IdentityId): ContactRecord | null {
    return this.directory.get(identity);
  }

  /** A waiting request, shaped like a contact so views list it with the others; never stored. */
  private pendingRecord(request: ContactRequest, firstAt: number): ContactRecord {
    const identity = request.cert.identity;
    return {
      type: 'contact',
      by: request.cert.device as DeviceId,
      at: firstAt,
      c: 0,
      k: 0,
      n: '',
      sig: '',
      identity,
      name: request.name,
      state: 'incoming',
      verified: false,
      ...this.namesake(identity.sign, request.name),
    };
  }

  isBlocked(identity: IdentityId): boolean {
    return this.directory.isBlocked(identity);
  }

  /**
   * 60 digits in groups of five, the same on both sides. Kept once asked for, by the
   * contact's keys (the same promise each time): a number is 10,400 rounds of SHA-512 (20–40 ms
   * warm, 0.2 s and more cold, measured in Node), and the contact screen asks at every render.
   * Rejects with ClientError 'unknown-contact'; a number that failed is worked out anew when
   * next asked.
   */
  safetyNumber(identity: IdentityId): Promise<string> {
    const contact = this.get(identity);
    if (!contact) return Promise.reject(new ClientError('unknown-contact'));
    const keys = `${contact.identity.sign}.${contact.identity.dh}`;
    let number = this.safetyNumbers.get(keys);
    if (!number) {
      number = (this.parts.safetyNumbers ?? safetyNumberInWorker)(this.parts.account.identity, contact.identity).then(formatSafetyNumber);
      this.safetyNumbers.set(keys, number);
      number.catch(() => this.safetyNumbers.delete(keys));
    }
    return number;
  }

  /**
   * Adds a contact from their link (or fragment) and sends them a request. If another
   * contact already goes by the link's name, nothing is stored yet: the result asks, and
   * `confirmSameName` or `cancelSameName` answers (docs/architecture.md §8.5).
   */
  async add(linkText: string): Promise<AddResult> {
    const card = parseContactLink(linkText);
    const me = this.parts.account.identity;
    if (card.identity.sign === me.sign) throw new ClientError('own-contact-link');
    const existing = this.get(card.identity.sign);
    if (existing?.state === 'blocked') throw new ClientError('contact-blocked', { detail: { name: existing.name } });
    if (existing?.state === 'incoming') return { kind: 'added', contact: await this.accept(card.identity.sign) };
    const clash = existing || !card.name ? {} : this.namesake(card.identity.sign, card.name);
    if (clash.sameNameAs) {
      this.sameName = { card, question: { name: card.name, existing: clash.sameNameAs } };
      this.directory.emit('changed', []);
      return { kind: 'same-name', ...this.sameName.question };
    }
    this.sameName = null;
    return { kind: 'added', contact: await this.store(card, existing, {}) };
  }

  /** The add that waits for the user's answer about a namesake, if any. */
  sameNamePending(): SameNameQuestion | null {
    return this.sameName?.question ?? null;
  }

  /** The user wants the second contact with that name: add it, remembering the namesake. */
  async confirmSameName(): Promise<ContactRecord> {
    const pending = this.sameName;
    if (!pending) throw new ClientError('no-such-request');
    this.sameName = null;
    return this.store(pending.card, this.get(pending.card.identity.sign), { sameNameAs: pending.question.existing });
  }

  /** The user does not want it: nothing is stored and no request goes out. */
  cancelSameName(): void {
    if (!this.sameName) return;
    this.sameName = null;
    this.directory.emit('changed', []);
  }

  private async store(card: ContactCard, existing: ContactRecord | null, namesake: { sameNameAs?: IdentityId }): Promise<ContactRecord> {
    const name = card.name || existing?.name || 'Unknown';
    const record = await this.parts.self.setContact({
      identity: card.identity,
      name,
      state: existing?.state === 'accepted' ? 'accepted' : 'outgoing',
      verified: existing?.verified ?? false,
      inbox: toBase64Url(card.linkSecret),
      ...(existing?.sameNameAs ? { sameNameAs: existing.sameNameAs } : namesake),
      ...(existing?.topic ? { topic: existing.topic } : {}),
    });
    const session = await this.parts.openDirect(card.identity);
    const stored = await this.parts.self.setContact({ ...fieldsOf(record), topic: session.id });
    await this.sendRequest(card);
    this.directory.emit('changed', []);
    return stored;
  }

  async accept(identity: IdentityId): Promise<ContactRecord> {
    const contact = this.get(identity);
    if (!contact) throw new ClientError('no-such-request');
    const session = await this.parts.openDirect(contact.identity);
    const record = await this.parts.self.setContact({ ...fieldsOf(contact), state: 'accepted', topic: session.id });
    this.requests.remove(identity);
    this.directory.emit('changed', []);
    return record;
  }

  async block(identity: IdentityId): Promise<void> {
    const contact = this.get(identity);
    if (!contact) throw new ClientError('unknown-contact');
    await this.parts.self.setContact({ ...fieldsOf(contact), state: 'blocked' });
    this.requests.remove(identity);
    this.directory.emit('blocked', [identity, true]);
    this.directory.emit('changed', []);
  }

  async unblock(identity: IdentityId): Promise<void> {
    const contact = this.get(identity);
    if (!contact || contact.state !== 'blocked') return;
    await this.parts.self.setContact({ ...fieldsOf(contact), state: contact.topic ? 'accepted' : 'incoming' });
    this.directory.emit('blocked', [identity, true]);
    this.directory.emit('changed', []);
  }

  async setVerified(identity: IdentityId, verified: boolean): Promise<void> {
    const contact = this.get(identity);
    if (!contact) throw new ClientError('unknown-contact');
    await this.parts.self.setContact({ ...fieldsOf(contact), verified });
    this.directory.emit('changed', []);
  }

  destroy(): void {
    this.disposables.dispose();
  }

  /** Another stored contact with this name (compared folded, core/authorship/names.ts): a namesake, not a changed key. */
  private namesake(identity: IdentityId, name: string): { sameNameAs?: IdentityId } {
    const folded = foldName(name);
    const clash = this.parts.self.contacts().find((c) => c.identity.sign !== identity && foldName(c.name) === folded);
    return clash ? { sameNameAs: clash.identity.sign } : {};
  }

  private async sendRequest(card: Pick<ContactCard, 'identity' | 'linkSecret'>): Promise<void> {
    const a = this.parts.account;
    const channel = await deriveChannel(card.linkSecret, INBOX);
    const request = await createContactRequest(a.cert, a.device.signPrivate, a.name, card.identity.sign, this.parts.now());
    this.parts.signaling.publish(channel.topic, await sealMessage(channel.key, channel.topic, request));
  }

  /** Until the other side joins the 1:1 conversation, keep knocking (they may be offline). */
  private async resendPending(): Promise<void> {
    for (const c of this.parts.self.contacts()) {
      if (c.state !== 'outgoing' || typeof c.inbox !== 'string') continue;
      if (this.parts.hasJoined(c.identity.sign)) {
        await this.parts.self.setContact({ ...fieldsOf(c), state: 'accepted' });
        this.directory.emit('changed', []);
        continue;
      }
      const secret = fromBase64Url(c.inbox);
      if (secret) await this.sendRequest({ identity: c.identity, linkSecret: secret }).catch(() => undefined);
    }
  }

  private readonly onStatus = (status: string): void => {
    if (status === 'connected') void this.resendPending();
  };

  private readonly onSignal = (topic: string, data: unknown): void => {
    const inbox = this.inbox;
    if (!inbox || topic !== inbox.topic || this.backlog >= INBOX_BACKLOG) return;
    // The limits count a message from when it arrived, not from when its turn came.
    const at = this.parts.now();
    this.backlog++;
    this.inboxTurn = this.inboxTurn
      .then(() => this.handle(inbox, data, at))
      .catch((error) => (this.parts.logger ?? silentLogger).warn('contact request failed', { error: errorField(error) }))
      .finally(() => this.backlog--);
  };

  /**
   * One inbox message, once those before it are handled: the limits then see every request
   * checked before it already kept or refused (docs/architecture.md §8.4).
   */
  private async handle(inbox: ChannelKeys, data: unknown, at: number): Promise<void> {
    if (this.disposables.isDisposed) return;
    const value = await openMessage(inbox.key, inbox.topic, data);
    // Rate limits come before the two signature checks a request costs.
    const claimed = (value as { cert?: { identity?: { sign?: unknown } } } | null)?.cert?.identity?.sign;
    if (typeof claimed !== 'string') return;
    // A reply to the user's own request is let through a flood of strangers (contact-requests.ts).
    const expected = this.parts.self.contact(claimed as IdentityId)?.state === 'outgoing';
    if (!this.requests.admit(claimed, at, expected)) return;
    const request = await verifyContactRequest(this.parts.verifyKeys, value, this.parts.account.identity.sign);
    if (!request) return this.requests.refuted(claimed, expected);
    if (!this.disposables.isDisposed) await this.onRequest(request);
  }

  private async onRequest(request: ContactRequest): Promise<void> {
    const identity = request.cert.identity;
    // Stored contacts only: a request already waiting is refreshed (its sender still asks,
    // so it does not expire), where `get` would have called it incoming and dropped it.
    const stored = this.parts.self.contact(identity.sign);
    if (stored?.state === 'blocked' || stored?.state === 'incoming' || stored?.state === 'accepted') return;
    if (stored?.state === 'outgoing') {
      // Both asked: that is consent on both sides.
      await this.accept(identity.sign);
      return;
    }
    if (this.requests.add(request) !== 'full') this.directory.emit('changed', []);
  }
}

/** The writable fields of a stored contact, to rewrite it with changes. */
function fieldsOf(c: ContactRecord): Omit<ContactRecord, 'type' | 'by' | 'at' | 'c' | 'k' | 'n' | 'sig'> {
  const { type: _t, by: _b, at: _a, c: _c, k: _k, n: _n, sig: _s, ...fields } = c;
  return fields;
}
