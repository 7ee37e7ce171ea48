/**
 * A `PeerTransport` through the signaling server's blind relay (docs/architecture.md §5,
 * docs/protocol.md §3): every message travels as a sealed record in a binary relay frame, so
 * the server forwards bytes it can neither read nor forge, replay or reorder undetected.
 *
 * Flow control is end to end, like SCTP's on a data channel: at most `window` bytes of data
 * are in flight (sent and not yet acknowledged by the remote's sealed acks); more waits here
 * and counts in `bufferedAmount`, and `drain` fires as acks bring it down. So the layers above
 * see the same backpressure as on a data channel, and the server never holds more than a
 * window per link.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { Disposables } from '../../core/lifecycle.js';
import { TransportBase, type ChannelBinding, type TransportCloseReason } from '../transport.js';
import type { RelaySecrets } from './relay-handshake.js';
import { openRecord, RecordTypes, sealRecord, type RecordType } from './relay-records.js';

/** Largest message: a chunk of the framing layer (16 KiB) plus room for its header. */
export const MAX_RELAY_MESSAGE = 16 * 1024 + 64;
const DEFAULT_WINDOW = 256 * 1024;
const ACK_DELAY_MS = 5;

export interface RelayTransportOptions {
  /** Sends one record to the remote's relay address; false when the socket cannot. */
  readonly send: (record: Uint8Array) => boolean;
  /** The remote's relay address: records from any other source are an attack. */
  readonly remoteAddr: string;
  readonly secrets: RelaySecrets;
  /** Bytes of data in flight at most (default 256 KiB). */
  readonly window?: number;
  /** Close when the remote's confirm has not arrived after this long. */
  readonly openTimeoutMs?: number;
}

export class RelayTransport extends TransportBase {
  readonly kind = 'relay' as const;
  private sendCounter = 0;
  private receiveCounter = 0;
  private sendChain: Promise<void> = Promise.resolve();
  private receiveChain: Promise<void> = Promise.resolve();
  private readonly waiting: Uint8Array[] = [];
  private waitingBytes = 0;
  /** Data bytes sent, and how many of them the remote acknowledged. */
  private sentBytes = 0;
  private ackedBytes = 0;
  /** Data bytes taken from the remote, and how many of them we acknowledged. */
  private takenBytes = 0;
  private takenAcked = 0;
  private cancelAck: (() => void) | null = null;
  private low = 0;
  private readonly window: number;
  private readonly owned = new Disposables();
  private started = false;

  constructor(private readonly options: RelayTransportOptions) {
    super();
    this.window = options.window ?? DEFAULT_WINDOW;
  }

  /** The remote's relay address. */
  get remoteAddr(): string {
    return this.options.remoteAddr;
  }

  /** First bytes of every record of this link (the mux routes by them). */
  get tag(): Uint8Array {
    return this.options.secrets.tag;
  }

  /** Sends the confirm record; `open` fires when the remote's arrives. */
  start(): this {
    if (this.started || this.isClosed) return this;
    this.started = true;
    this.seal(RecordTypes.confirm, new Uint8Array());
    this.owned.timeout(() => {
      if (!this.isOpen) this.finish('open-timeout');
    }, this.options.openTimeoutMs ?? 10_000);
    return this;
  }

  send(bytes: Uint8Array): void {
    if (this.isClosed) return;
    if (bytes.length > MAX_RELAY_MESSAGE) throw new RangeError(`relay messages are at most ${MAX_RELAY_MESSAGE} bytes`);
    this.waiting.push(bytes.slice());
    this.waitingBytes += bytes.length;
    this.pump();
  }

  /** The relay carries framing chunks of 16 KiB and no more (docs/protocol.md §2.3). */
  get maxMessage(): number {
    return MAX_RELAY_MESSAGE;
  }

  get bufferedAmount(): number {
    return this.waitingBytes + this.sentBytes - this.ackedBytes;
  }

  get lowWaterMark(): number {
    return this.low;
  }

  set lowWaterMark(value: number) {
    this.low = value;
  }

  binding(): ChannelBinding {
    return { local: this.options.secrets.binding, remote: this.options.secrets.binding };
  }

  close(): void {
    if (this.isClosed) return;
    // What was taken is acknowledged first: a remote that sees the close with bytes still
    // unacknowledged takes them as unread (PeerLink gives the link up then).
    this.sendAck();
    // Best effort: the remote learns at once instead of at its open timeout or the socket's end.
    this.seal(RecordTypes.close, new Uint8Array());
    this.finish('closed-locally');
  }

  /** Ends the link from outside: the socket dropped, or the server reported the remote gone. */
  fail(reason: TransportCloseReason): void {
    this.finish(reason);
  }

  /** A record for this link arrived from `from` (the mux matched its tag). */
  receive(from: string, record: Uint8Array): void {
    if (this.isClosed) return;
    // Records of this link come from one address; another source is a server swapping sockets.
    if (from !== this.options.remoteAddr) return this.finish('protocol-violation');
    const counter = this.receiveCounter++;
    // Opening starts now (in parallel); results are handled strictly in order.
    const opened = openRecord(this.options.secrets.receiveKey, this.options.secrets.tag, counter, record);
    this.receiveChain = this.receiveChain.then(async () => {
      const result = await opened;
      if (this.isClosed) return;
      if (!result) return this.finish('protocol-violation');
      this.handle(counter, result.type, result.body);
    });
  }

  private handle(counter: number, type: number, body: Uint8Array): void {
    if ((counter === 0) !== (type === RecordTypes.confirm)) return this.finish('protocol-violation');
    switch (type) {
      case RecordTypes.confirm:
        this.markOpen();
        return this.pump();
      case RecordTypes.data:
        this.takenBytes += body.length;
        this.deliver(body);
        return this.scheduleAck();
      case RecordTypes.ack:
        return this.onAck(body);
      case RecordTypes.close:
        return this.finish('closed-by-remote');
      default:
        return this.finish('protocol-violation');
    }
  }

  private onAck(body: Uint8Array): void {
    let total: number;
    try {
      const decoder = decoding.createDecoder(body);
      total = decoding.readVarUint(decoder);
      if (decoding.hasContent(decoder)) throw new Error('trailing bytes');
    } catch {
      return this.finish('protocol-violation');
    }
    // Acks only move forward, and never past what was sent.
    if (total < this.ackedBytes || total > this.sentBytes) return this.finish('protocol-violation');
    const before = this.bufferedAmount;
    this.ackedBytes = total;
    this.pump();
    if (before > this.low && this.bufferedAmount <= this.low) this.markDrained();
  }

  private pump(): void {
    if (!this.isOpen) return;
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      const inFlight = this.sentBytes - this.ackedBytes;
      if (inFlight > 0 && inFlight + next.length > this.window) return;
      this.waiting.shift();
      this.waitingBytes -= next.length;
      this.sentBytes += next.length;
      this.seal(RecordTypes.data, next);
    }
  }

  private scheduleAck(): void {
    if (this.takenBytes - this.takenAcked >= this.window / 4) return this.sendAck();
    this.cancelAck ??= this.owned.timeout(() => this.sendAck(), ACK_DELAY_MS);
  }

  private sendAck(): void {
    this.cancelAck?.();
    this.cancelAck = null;
    if (this.isClosed || this.takenAcked === this.takenBytes) return;
    this.takenAcked = this.takenBytes;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, this.takenBytes);
    this.seal(RecordTypes.ack, encoding.toUint8Array(encoder));
  }

  /** Seals (in parallel) and sends (in order) the next record. */
  private seal(type: RecordType, body: Uint8Array): void {
    const counter = this.sendCounter++;
    const sealed = sealRecord(this.options.secrets.sendKey, this.options.secrets.tag, counter, type, body);
    this.sendChain = this.sendChain.then(async () => {
      const record = await sealed;
      // The close record, and the ack `close` sends just before it, still go out after the
      // local close; nothing else does (each record has its counter: skipping the ack would
      // make the close unreadable).
      if (this.isClosed && type !== RecordTypes.close && type !== RecordTypes.ack) return;
      if (!this.options.send(record) && type !== RecordTypes.close) this.finish('connection-failed');
    });
  }

  private finish(reason: TransportCloseReason): void {
    if (this.isClosed) return;
    this.owned.dispose();
    this.waiting.length = 0;
    this.waitingBytes = 0;
    this.markClosed(reason);
  }
}
