/**
 * Live mailbox notices, client side (docs/protocol.md §1.1): follows each conversation's
 * mailbox on the signaling socket, one `mailbox-watch` message per mailbox (so no single
 * message lists all of a device's conversations), sends them again after every reconnect, and
 * reports `mailbox-notice`s so the conversation pulls at once instead of at its next round.
 */
import { ObservableV2 } from 'lib0/observable';
import { Disposables } from '../core/lifecycle.js';
import type { ServerMessage } from '../core/wire/signaling.js';
import type { Signaling } from './signaling-port.js';
import type { SignalingStatus } from './signaling-port.js';

export type MailboxWatchEvents = {
  /** Entry `seq` was appended to mailbox `id` (one this device follows). */
  notice: (id: string, seq: number) => void;
};

/** A mailbox to follow: its id (hex SHA-256 of the token) and the bearer token. */
export interface WatchedMailbox {
  readonly id: string;
  readonly token: string;
}

export class MailboxWatch extends ObservableV2<MailboxWatchEvents> {
  private readonly watched = new Map<string, string>();
  private readonly owned = new Disposables();

  constructor(private readonly signaling: Signaling) {
    super();
  }

  start(): this {
    const events = this.owned.listenTo(this.signaling);
    events.on('status', this.onStatus);
    events.on('control', this.onControl);
    return this;
  }

  /** Mailboxes followed now (tests). */
  get size(): number {
    return this.watched.size;
  }

  /** Follows exactly these mailboxes: watches new ones, unwatches the ones no longer listed. */
  set(mailboxes: Iterable<WatchedMailbox>): void {
    const next = new Map<string, string>();
    for (const m of mailboxes) next.set(m.id, m.token);
    for (const id of [...this.watched.keys()]) {
      if (next.has(id)) continue;
      this.watched.delete(id);
      this.signaling.send({ type: 'mailbox-unwatch', id });
    }
    for (const [id, token] of next) {
      if (this.watched.get(id) === token) continue;
      this.watched.set(id, token);
      this.signaling.send({ type: 'mailbox-watch', id, token });
    }
  }

  override destroy(): void {
    this.owned.dispose();
    super.destroy();
  }

  private readonly onStatus = (status: SignalingStatus): void => {
    // A new socket follows nothing: say it all again, one mailbox per message.
    if (status === 'connected') for (const [id, token] of this.watched) this.signaling.send({ type: 'mailbox-watch', id, token });
  };

  private readonly onControl = (message: ServerMessage): void => {
    if (message.type === 'mailbox-notice' && this.watched.has(message.id)) this.emit('notice', [message.id, message.seq]);
  };
}
