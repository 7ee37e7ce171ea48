/**
 * A Yjs document this device shares with peers under signed authorship: the parts every
 * synced document needs, whatever its schema (a conversation, or the user's self doc).
 *
 * - `writer` is the only way to write: it signs every value for its placement.
 * - `authorizer` checks every update from a peer before it is applied.
 * - `directory` tracks member devices, revocations and client ids as transactions land.
 * Documents use `gc: false` so every struct a peer sends carries signed content.
 */
import * as Y from 'yjs';
import { UpdateAuthorizer, type Verdict } from './authorship/authorizer.js';
import type { UpdateDecode } from './authorship/decoded-update.js';
import { DocDirectory } from './authorship/directory.js';
import { DEFAULT_LIMITS, type AuthorLimits } from './authorship/limits.js';
import type { MemberRecord } from './authorship/records.js';
import type { DocSchema } from './authorship/schema.js';
import { ConversationLog } from './conversation.js';
import { DocWriter } from './doc-writer.js';
import type { DeviceId } from './ids.js';
import type { PeerIdentity } from './identity/handshake.js';
import type { VerifyKeyCache } from './identity/keys.js';
import { currentDh, type Account } from './identity/account.js';
import { certificateEnd, writeCovered } from './identity/certificate.js';

/** Transaction origin of this device's own writes. */
export const LOCAL_ORIGIN = Symbol('parley-local');

/**
 * What the sync engine needs from a document's owner: whether a verified device may sync
 * it, and whether an update from a peer may be applied.
 */
export interface DocPolicy {
  admits(peer: PeerIdentity): boolean;
  /** `decode` reads the update's structs: `Y.decodeUpdate` when absent (authorship/decoded-update.ts). */
  authorize(update: Uint8Array, decode?: UpdateDecode): Promise<Verdict>;
}

export interface SyncedDocParts {
  readonly account: Account;
  readonly schema: DocSchema;
  readonly keys: VerifyKeyCache;
  readonly now: () => number;
  /** Fixed client-id nonce, for reproducible tests; random otherwise. */
  readonly clientNonce?: string;
  /** What updates and devices may cost here; DEFAULT_LIMITS unless a test narrows them. */
  readonly limits?: AuthorLimits;
  /** Extra admission rule, e.g. refusing blocked identities. */
  readonly admitsPeer?: (peer: PeerIdentity) => boolean;
}

export class SyncedDoc {
  readonly doc = new Y.Doc({ gc: false });
  readonly log = new ConversationLog(this.doc);
  readonly directory: DocDirectory;
  readonly writer: DocWriter;
  readonly authorizer: UpdateAuthorizer;
  readonly policy: DocPolicy;

  constructor(private readonly parts: SyncedDocParts) {
    this.directory = new DocDirectory(this.doc, parts.schema);
    const limits = parts.limits ?? DEFAULT_LIMITS;
    const device = parts.account.device;
    this.writer = new DocWriter(
      this.log,
      { device: device.id, public: device.public, signPrivate: device.signPrivate },
      { used: () => this.directory.storedChars(device.id), limit: limits.deviceBudgetChars },
      parts.clientNonce,
      // Read at each write: a renewal replaces the account's certificate in place.
      () => (parts.schema.certsExpire ? certificateEnd(parts.account.cert) : Infinity),
    );
    this.authorizer = new UpdateAuthorizer(this.doc, parts.schema, this.directory, parts.keys, limits);
    this.policy = {
      admits: (peer) => parts.schema.admits(peer.identity) && this.directory.revocation(peer.device)?.identity !== peer.identity && (parts.admitsPeer?.(peer) ?? true),
      authorize: (update, decode) => this.authorizer.authorize(update, decode),
    };
  }

  get account(): Account {
    return this.parts.account;
  }

  /**
   * Whether this device's certificate covers a write now (docs/architecture.md §4.8).
   * Writes nobody asked for (receipts, member records) are skipped while it does not;
   * the writer refuses the rest with CertificateExpiredError.
   */
  mayWrite(at = this.parts.now()): boolean {
    return !this.parts.schema.certsExpire || writeCovered(certificateEnd(this.parts.account.cert), at);
  }

  /**
   * Writes this device's member record when it is missing or out of date (new name or
   * avatar, a renewed certificate). Returns true when it wrote one; writes nothing while
   * this device's certificate has lapsed (it writes once renewed).
   */
  async ensureMember(name: string, avatar: string | undefined): Promise<boolean> {
    const { device, cert, label } = this.parts.account;
    const bot = this.parts.account.bot === true ? true : undefined;
    const dh = currentDh(this.parts.account)?.public;
    if (!this.mayWrite()) return false;
    const current = this.doc.getMap<MemberRecord>('members').get(device.id);
    const same = current && current.name === name && current.avatar === avatar && current.label === label && current.bot === bot && current.dh === dh;
    // A renewed certificate is written too: peers judge this device's writes by it.
    if (same && current.cert.sig === cert.sig) return false;
    await this.writer.setRecord(
      'members',
      device.id,
      {
        type: 'member',
        by: device.id,
        at: this.parts.now(),
        device: device.public,
        cert,
        name,
        ...(avatar ? { avatar } : {}),
        ...(label ? { label } : {}),
        ...(bot ? { bot } : {}),
        ...(dh ? { dh } : {}),
      },
      LOCAL_ORIGIN,
    );
    return true;
  }

  /**
   * Records, signed by the identity key, that `device` may no longer write here: what it
   * wrote so far (per Yjs client, up to the clocks known now) stays valid.
   */
  async revoke(device: DeviceId, identityKey: CryptoKey): Promise<void> {
    if (this.directory.revocation(device)) return;
    const clients: Record<string, number> = {};
    this.doc.store.clients.forEach((_, client) => {
      if (this.directory.clientOwner(client) === device) clients[String(client)] = Y.getState(this.doc.store, client);
    });
    const a = this.parts.account;
    await this.writer.setRecord(
      'revoked',
      device,
      { type: 'revocation', by: a.device.id, at: this.parts.now(), device, identity: a.identity.sign, clients },
      LOCAL_ORIGIN,
      identityKey,
    );
  }

  destroy(): void {
    this.directory.destroy();
    this.doc.destroy();
  }
}
