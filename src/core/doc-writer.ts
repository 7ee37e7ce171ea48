/**
 * The only way this device writes into a document. It signs every value for the exact
 * Yjs item it will occupy, chains events by hash, and serialises writes: a placement is the
 * next clock of this client, and signing is asynchronous, so two overlapping writes would
 * otherwise both claim the same clock.
 */
import * as Y from 'yjs';
import type { ConversationLog } from './conversation.js';
import type { ConversationEvent, UnsignedEvent } from './events.js';
import type { DeviceId } from './ids.js';
import { eventHash, signEvent, signRecord, type SignedRecord } from './identity/signed.js';

export interface WriterKeys {
  readonly device: DeviceId;
  /** Signs events and this device's records. */
  readonly signPrivate: CryptoKey;
}

export class DocWriter {
  private queue: Promise<unknown> = Promise.resolve();
  private tip: string | null = null;

  constructor(
    private readonly log: ConversationLog,
    private readonly keys: WriterKeys,
  ) {}

  get doc(): Y.Doc {
    return this.log.doc;
  }

  /** Signs and appends events in one transaction; resolves with them as stored. */
  appendEvents(events: readonly UnsignedEvent[], origin: unknown): Promise<{ events: ConversationEvent[]; ids: Y.ID[] }> {
    return this.serial(async () => {
      const place = this.log.placement();
      let prev = this.chainTip();
      const signed: ConversationEvent[] = [];
      for (let i = 0; i < events.length; i++) {
        const event = await signEvent(events[i]!, { c: place.c, k: place.k + i }, prev, this.keys.signPrivate);
        signed.push(event);
        prev = eventHash(event);
      }
      const ids = this.log.append(this.keys.device, signed, origin);
      this.tip = prev;
      return { events: signed, ids };
    });
  }

  /**
   * Signs and stores a record in a map. `signer` defaults to this device's key; identity
   * revocations pass the identity key.
   */
  setRecord<T extends Omit<SignedRecord, 'c' | 'k' | 'sig'>>(map: string, key: string, body: T, origin: unknown, signer = this.keys.signPrivate): Promise<T & SignedRecord> {
    return this.serial(async () => {
      const record = await signRecord(body, this.log.placement(), signer);
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
