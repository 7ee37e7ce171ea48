/**
 * The only way this device writes into a document. It signs every value for the exact
 * Yjs item it will occupy, chains events by hash, and serialises writes: a placement is the
 * next clock of this client, and signing is asynchronous, so two overlapping writes would
 * otherwise both claim the same clock.
 *
 * It also owns this document's Yjs client id, which is derived from the device key and a
 * nonce (core/authorship/client-id.ts): set on construction, and chosen afresh should Yjs
 * ever replace it.
 */
import * as Y from 'yjs';
import type { ConversationLog } from './conversation.js';
import type { ConversationEvent, UnsignedEvent } from './events.js';
import type { DeviceId } from './ids.js';
import { clientIdFor, isClientNonce, newClientBinding } from './authorship/client-id.js';
import { StorageBudgetError, valueChars } from './authorship/limits.js';
import { CertificateExpiredError, writeCovered } from './identity/certificate.js';
import { eventHash, signEvent, signRecord, type Placement, type SignedRecord } from './identity/signed.js';

export interface WriterKeys {
  readonly device: DeviceId;
  /** The device's Ed25519 public key (base64url): client ids derive from it. */
  readonly public: string;
  /** Signs events and this device's records. */
  readonly signPrivate: CryptoKey;
}

/** This device's storage budget in the document (authorship/limits.ts). */
export interface WriterBudget {
  /** Characters this device has stored in the document. */
  used(): number;
  readonly limit: number;
}

/**
 * Until when this device's certificate vouches for its writes in the document; Infinity
 * where certificates do not expire (the self doc, docs/architecture.md §4.8).
 */
export type WriterCertificateEnd = () => number;

export class DocWriter {
  private queue: Promise<unknown> = Promise.resolve();
  private tip: string | null = null;
  private nonce = '';

  constructor(
    private readonly log: ConversationLog,
    private readonly keys: WriterKeys,
    private readonly budget: WriterBudget | null = null,
    nonce?: string,
    private readonly certEnd: WriterCertificateEnd = () => Infinity,
  ) {
    this.rebind(nonce);
  }

  /** Peers refuse a device's writes past its budget, so they are refused here first, with a clear error. */
  private checkBudget(values: readonly unknown[]): void {
    if (!this.budget) return;
    let chars = this.budget.used();
    for (const v of values) chars += valueChars(v);
    if (chars > this.budget.limit) throw new StorageBudgetError(this.budget.limit);
  }

  /** Peers refuse writes dated after this device's certificate ended: refused here first, with a clear error. */
  private checkCertificate(at: number): void {
    const end = this.certEnd();
    if (!writeCovered(end, at)) throw new CertificateExpiredError(end);
  }

  /** Where the next write lands, with the nonce that binds its client id to this device. */
  placement(): Placement {
    // Yjs picks a new random client id when a remote update writes under ours; ours must
    // stay derived, so pick a fresh nonce instead.
    if (clientIdFor(this.keys.public, this.nonce) !== this.doc.clientID) this.rebind();
    const { c, k } = this.log.placement();
    return { c, k, n: this.nonce };
  }

  private rebind(nonce?: string): void {
    if (nonce !== undefined && isClientNonce(nonce)) {
      this.nonce = nonce;
      this.doc.clientID = clientIdFor(this.keys.public, nonce);
      return;
    }
    const binding = newClientBinding(this.keys.public);
    this.nonce = binding.nonce;
    this.doc.clientID = binding.client;
  }

  get doc(): Y.Doc {
    return this.log.doc;
  }

  /** Signs and appends events in one transaction; resolves with them as stored. */
  appendEvents(events: readonly UnsignedEvent[], origin: unknown): Promise<{ events: ConversationEvent[]; ids: Y.ID[] }> {
    return this.serial(async () => {
      for (const e of events) this.checkCertificate(e.at);
      const place = this.placement();
      let prev = this.chainTip();
      const signed: ConversationEvent[] = [];
      for (let i = 0; i < events.length; i++) {
        const event = await signEvent(events[i]!, { c: place.c, k: place.k + i, n: place.n }, prev, this.keys.signPrivate);
        signed.push(event);
        prev = eventHash(event);
      }
      this.checkBudget(signed);
      const ids = this.log.append(this.keys.device, signed, origin);
      this.tip = prev;
      return { events: signed, ids };
    });
  }

  /**
   * Signs and stores a record in a map. `signer` defaults to this device's key; identity
   * revocations pass the identity key.
   */
  setRecord<T extends Omit<SignedRecord, 'c' | 'k' | 'n' | 'sig'>>(map: string, key: string, body: T, origin: unknown, signer = this.keys.signPrivate): Promise<T & SignedRecord> {
    return this.serial(async () => {
      // An identity-signed record (a revocation) is the identity's statement, not the device's.
      if (signer === this.keys.signPrivate) this.checkCertificate(body.at);
      const record = await signRecord(body, this.placement(), signer);
      this.checkBudget([record]);
      this.doc.transact(() => this.doc.getMap(map).set(key, record), origin);
      return record;
    });
  }

  private chainTip(): string {
    if (this.tip === null) {
      const last = this.log.lastEvent(this.keys.device);
      this.tip = last ? eventHash(last) : '';
    }
    return this.tip;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
