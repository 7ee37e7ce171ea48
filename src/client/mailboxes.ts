/**
 * Every conversation's mailbox, together (docs/architecture.md §7): which ones the server
 * should notify this device about (live notices on the socket, and the push
 * subscription), catching up when the network or a notice says so. A conversation's
 * mailbox changes with its epoch, so the set is recomputed whenever conversations change.
 */
import { MailboxWatch } from '../net/mailbox-watch.js';
import type { Signaling } from '../net/signaling-port.js';
import type { ConversationSession } from './conversation-session.js';

export class Mailboxes {
  private readonly watch: MailboxWatch;

  constructor(
    private readonly signaling: Signaling,
    private readonly sessions: () => readonly ConversationSession[],
  ) {
    this.watch = new MailboxWatch(signaling).start();
    // An entry was appended to a conversation's mailbox: catch up now, not at the next round.
    this.watch.on('notice', (id, seq) => {
      for (const s of this.sessions()) {
        if (s.mailboxCredential?.id === id) s.mailbox?.noticed(seq);
        else if (s.neighbourMailboxes().some((m) => m.id === id)) s.neighbourNoticed();
      }
    });
    signaling.on('status', this.onStatus);
  }

  /** Mailbox id and token of every conversation's current epoch. */
  credentials(): Array<{ id: string; token: string }> {
    return this.sessions().flatMap((s) => (s.mailboxCredential ? [s.mailboxCredential] : []));
  }

  /** Conversations or epochs changed: follow the mailboxes they use now. */
  refresh(): void {
    // Neighbouring epochs' mailboxes too (docs/architecture.md §4.3), for live notices only:
    // the push subscription, which wakes the service worker, follows current ones.
    this.watch.set([...this.credentials(), ...this.sessions().flatMap((s) => s.neighbourMailboxes())]);
  }

  /** Pulls every (or some) conversation's mailbox and pushes pending writes. */
  async sync(only?: (session: ConversationSession) => boolean): Promise<void> {
    await Promise.all(this.sessions().filter((s) => !only || only(s)).map((s) => s.mailbox?.sync()));
  }

  /** The browser reports the network is back: retry everything that waited. */
  online(): void {
    this.signaling.reconnectNow();
    for (const s of this.sessions()) s.mailbox?.online();
  }

  destroy(): void {
    this.signaling.off('status', this.onStatus);
    this.watch.destroy();
  }

  private readonly onStatus = (status: string): void => {
    // Back online: catch up with every mailbox and deliver what waited.
    if (status !== 'connected') return;
    void this.sync();
    // A membership change made elsewhere meanwhile may be waiting in a neighbouring mailbox.
    for (const s of this.sessions()) s.reconnected();
  };
}
