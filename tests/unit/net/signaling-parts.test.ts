/**
 * The small parts on the signaling socket, over a scripted socket: device registration (one
 * challenge per connection, a signature over the server's nonce) and presence (ids held and
 * followed, sent again after a reconnect, reports kept by id).
 */
import { describe, expect, it } from 'vitest';
import { registrationText } from '../../../src/core/wire/signaling.js';
import { PresenceClient } from '../../../src/net/presence-client.js';
import { DeviceRegistration } from '../../../src/net/registration.js';
import { scriptedSignaling } from '../../helpers/scripted-socket.js';

const KEY = 'K'.repeat(43);
const NONCE = 'N'.repeat(43);
const ID1 = '1'.repeat(32);
const ID2 = '2'.repeat(32);
const settle = () => new Promise((r) => setTimeout(r, 5));

describe('device registration', () => {
  it('answers the server challenge with a signature over its nonce and key, once per connection', async () => {
    const { signaling, sockets } = scriptedSignaling();
    const signed: string[] = [];
    const registration = new DeviceRegistration(signaling, () => ({ key: KEY, sign: async (text) => (signed.push(text), 'S'.repeat(86)) }));
    const registered: string[] = [];
    registration.on('registered', (key) => registered.push(key));
    sockets[0]!.open();
    registration.start();
    expect(sockets[0]!.sentOfType('challenge')).toEqual([{ type: 'challenge' }]);
    sockets[0]!.serverSays({ type: 'challenge', nonce: NONCE });
    await settle();
    expect(signed).toEqual([registrationText(NONCE, KEY)]);
    expect(sockets[0]!.sentOfType('register')).toEqual([{ type: 'register', key: KEY, sig: 'S'.repeat(86) }]);
    sockets[0]!.serverSays({ type: 'registered', key: KEY });
    expect(registration.registered).toBe(true);
    expect(registered).toEqual([KEY]);
    // A new connection is not registered until it registers again.
    sockets[0]!.drop();
    expect(registration.registered).toBe(false);
    signaling.reconnectNow();
    await settle();
    sockets[1]!.open();
    expect(sockets[1]!.sentOfType('challenge')).toEqual([{ type: 'challenge' }]);
    registration.destroy();
    signaling.destroy();
  });

  it('does nothing without an account', () => {
    const { signaling, sockets } = scriptedSignaling();
    const registration = new DeviceRegistration(signaling, () => null);
    sockets[0]!.open();
    registration.start();
    sockets[0]!.serverSays({ type: 'challenge', nonce: NONCE });
    expect(sockets[0]!.sent).toEqual([]);
    registration.destroy();
    signaling.destroy();
  });
});

describe('presence client', () => {
  it('sends the ids it holds and follows one per message, only what changed, all again after a reconnect, and keeps reported states', async () => {
    const { signaling, sockets } = scriptedSignaling();
    const presence = new PresenceClient(signaling);
    let changes = 0;
    presence.on('changed', () => changes++);
    sockets[0]!.open();
    presence.announce([ID2, ID1, ID1]);
    presence.announce([ID1, ID2]);
    presence.watch([ID2]);
    presence.announce([ID1]);
    expect(sockets[0]!.sentOfType('presence')).toEqual([
      { type: 'presence-change', id: ID2, change: 'hold' },
      { type: 'presence-change', id: ID1, change: 'hold' },
      { type: 'presence-change', id: ID2, change: 'watch' },
      { type: 'presence-change', id: ID2, change: 'release' },
    ]);
    sockets[0]!.serverSays({ type: 'presence-state', states: [{ id: ID2, online: true, lastSeen: 5 }, { id: 'not an id', online: true, lastSeen: 1 }] });
    expect(presence.state(ID2)).toEqual({ id: ID2, online: true, lastSeen: 5 });
    expect(presence.state('not an id')).toBeNull();
    expect(changes).toBe(1);
    sockets[0]!.drop();
    signaling.reconnectNow();
    await settle();
    sockets[1]!.open();
    expect(sockets[1]!.sentOfType('presence')).toEqual([
      { type: 'presence-change', id: ID1, change: 'hold' },
      { type: 'presence-change', id: ID2, change: 'watch' },
    ]);
    presence.destroy();
    signaling.destroy();
  });

  it('keeps states only for ids it watches: a server reporting others, or ids no longer watched, grows nothing', () => {
    const { signaling, sockets } = scriptedSignaling();
    const presence = new PresenceClient(signaling);
    sockets[0]!.open();
    presence.watch([ID1]);
    const strangers = Array.from({ length: 500 }, (_, i) => ({ id: i.toString(16).padStart(32, '0'), online: true, lastSeen: 1 }));
    sockets[0]!.serverSays({ type: 'presence-state', states: [{ id: ID1, online: true, lastSeen: 2 }, ...strangers] });
    expect(presence.state(ID1)).toEqual({ id: ID1, online: true, lastSeen: 2 });
    expect(strangers.filter((s) => presence.state(s.id) !== null)).toEqual([]);
    // Unwatching forgets the id's last report, so watch/unwatch cycles leave nothing behind.
    presence.watch([ID2]);
    expect(presence.state(ID1)).toBeNull();
    presence.destroy();
    signaling.destroy();
  });
});
