/**
 * Live mailbox notices, client side (docs/protocol.md §1.1), over a scripted socket: one watch
 * message per mailbox, all of them again after a reconnect, and notices only for mailboxes
 * followed.
 */
import { describe, expect, it } from 'vitest';
import { MailboxWatch } from '../../../src/net/mailbox-watch.js';
import { scriptedSignaling, type ScriptedSocket } from '../../helpers/scripted-socket.js';

const A = { id: 'a'.repeat(64), token: 'A'.repeat(43) };
const B = { id: 'b'.repeat(64), token: 'B'.repeat(43) };

function setup() {
  const { signaling, sockets } = scriptedSignaling();
  const watch = new MailboxWatch(signaling).start();
  const notices: Array<[string, number]> = [];
  watch.on('notice', (id, seq) => notices.push([id, seq]));
  return { sockets, signaling, watch, notices };
}

const watchMessages = (s: ScriptedSocket) => s.sentOfType('mailbox-');

describe('mailbox watch', () => {
  it('follows each mailbox with its own message, and stops following removed ones', () => {
    const { sockets, signaling, watch } = setup();
    sockets[0]!.open();
    watch.set([A, B]);
    watch.set([A, B]);
    expect(watchMessages(sockets[0]!)).toEqual([
      { type: 'mailbox-watch', ...A },
      { type: 'mailbox-watch', ...B },
    ]);
    watch.set([B]);
    expect(watchMessages(sockets[0]!).at(-1)).toEqual({ type: 'mailbox-unwatch', id: A.id });
    expect(watch.size).toBe(1);
    watch.destroy();
    signaling.destroy();
  });

  it('follows everything again after a reconnect', async () => {
    const { sockets, signaling, watch } = setup();
    watch.set([A, B]);
    sockets[0]!.open();
    expect(watchMessages(sockets[0]!)).toEqual([
      { type: 'mailbox-watch', ...A },
      { type: 'mailbox-watch', ...B },
    ]);
    sockets[0]!.drop();
    signaling.reconnectNow();
    await new Promise((r) => setTimeout(r, 10));
    sockets[1]!.open();
    expect(watchMessages(sockets[1]!)).toEqual([
      { type: 'mailbox-watch', ...A },
      { type: 'mailbox-watch', ...B },
    ]);
    watch.destroy();
    signaling.destroy();
  });

  it('reports notices for followed mailboxes only', () => {
    const { sockets, signaling, watch, notices } = setup();
    sockets[0]!.open();
    watch.set([A]);
    sockets[0]!.serverSays({ type: 'mailbox-notice', id: A.id, seq: 7 });
    sockets[0]!.serverSays({ type: 'mailbox-notice', id: B.id, seq: 3 });
    sockets[0]!.serverSays({ type: 'mailbox-notice', id: A.id, seq: -1 });
    expect(notices).toEqual([[A.id, 7]]);
    watch.destroy();
    signaling.destroy();
  });
});
