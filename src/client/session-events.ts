/**
 * How a conversation session's events reach the rest of the client: previews and the
 * 'arrived' notice, new epochs (mailboxes and presence follow), membership and directory
 * changes (the invite desk and key handoff follow).
 */
import type { ClientServices } from './client-services.js';
import type { ConversationSession } from './conversation-session.js';

export function routeSessionEvents(session: ConversationSession, s: ClientServices): void {
  const { events } = s;
  session.on('error', (error) => events.emit('error', [error]));
  // Starts at the cached newest message, so loading the document is not news either.
  let newest: string | null = session.timeline.last()?.id ?? null;
  session.on('preview', (entry) => {
    s.opener.savePreview(session, entry);
    s.changed();
    s.reads.shown(session.id);
    if (!session.isMine(entry.author)) session.noteReceived(s.reads.current === session.id);
    // An edit or reaction on the newest message changes its preview, but nothing arrived.
    if (entry.id === newest) return;
    newest = entry.id;
    s.shelf.arrived(session, entry);
    events.emit('arrived', [session.id, entry, session.isMine(entry.author)]);
  });
  session.on('rekeyed', () => {
    // A new epoch has a new mailbox: live notices must follow it.
    s.mailboxes.refresh();
    s.memberPresence.refresh();
    s.handoff.refresh();
    s.changed();
  });
  session.on('neighbours', () => s.mailboxes.refresh());
  session.on('ended', () => s.changed());
  void session.loaded.then(() => s.myDevices.carryRevocations(session)).catch((error: unknown) => events.emit('error', [error as Error]));
  session.membership.onChange(() => {
    s.desk.refresh();
    s.handoff.refresh();
  });
  session.synced.directory.onChange(() => {
    s.memberPresence.refresh();
    s.changed();
  });
}
