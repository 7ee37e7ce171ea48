/** The per-link state machine (docs/architecture.md §5), driven directly: no I/O, no timers. */
import { describe, expect, it } from 'vitest';
import type { PeerIdentity } from '../../../src/core/identity/handshake.js';
import { FrameKinds } from '../../../src/net/framing.js';
import { LinkMachine } from '../../../src/net/link-machine.js';

const peer = { device: 'device-b', identity: 'identity-b' } as unknown as PeerIdentity;

describe('link machine', () => {
  it('says hello on open and proves wanted rooms only once both hellos are done', () => {
    const m = new LinkMachine();
    expect(m.want('room')).toEqual([]);
    expect(m.opened()).toEqual([{ type: 'send-hello' }]);
    expect(m.phase).toBe('hello');
    expect(m.helloSent()).toEqual([]);
    expect(m.peerVerified(peer)).toEqual([{ type: 'prove', room: 'room' }]);
    expect(m.phase).toBe('ready');
    // Proving is in flight: wanting again does not prove twice.
    expect(m.want('room')).toEqual([]);
  });

  it('attaches a room only once our join went out and theirs checked out, in either order', () => {
    const ours = ready();
    expect(ours.want('room')).toEqual([{ type: 'prove', room: 'room' }]);
    expect(ours.joinVerified('room')).toEqual([]);
    expect(ours.attached('room')).toBe(false);
    expect(ours.joinSent('room')).toEqual([{ type: 'attach', room: 'room' }]);

    const theirs = ready();
    expect(theirs.joinVerified('room')).toEqual([{ type: 'prove', room: 'room' }]);
    expect(theirs.joinSent('room')).toEqual([{ type: 'attach', room: 'room' }]);
    expect(theirs.attachedRooms()).toEqual(['room']);
  });

  it('keeps a join that arrived before the link was ready, and answers it when ready', () => {
    const m = new LinkMachine();
    m.opened();
    m.classify(FrameKinds.hello, null);
    m.peerVerified(peer);
    expect(m.joinVerified('room')).toEqual([]);
    expect(m.helloSent()).toEqual([{ type: 'prove', room: 'room' }]);
  });

  it('gates frames: hello first and once, a room frame only after its join', () => {
    const m = new LinkMachine();
    m.opened();
    expect(m.classify(FrameKinds.sync, 'room')).toEqual({ type: 'drop', violation: { reason: 'frame-before-hello' } });
    expect(m.classify(FrameKinds.hello, null)).toEqual({ type: 'hello' });
    expect(m.classify(FrameKinds.hello, null)).toEqual({ type: 'drop', violation: { reason: 'second-hello' } });
    m.helloSent();
    m.peerVerified(peer);
    expect(m.classify(FrameKinds.awareness, 'room')).toEqual({ type: 'drop', violation: { reason: 'frame-before-join' } });
    expect(m.classify(FrameKinds.sync, null)).toEqual({ type: 'ignore' });
    expect(m.classify(FrameKinds.join, 'room')).toEqual({ type: 'join' });
    m.joinVerified('room');
    expect(m.classify(FrameKinds.sync, 'room')).toEqual({ type: 'deliver' });
    expect(m.classify(FrameKinds.leave, 'room')).toEqual({ type: 'leave' });
  });

  it('forgets a room (left, or moved to new keys): detaches it and starts over', () => {
    const m = ready();
    m.want('room');
    m.joinSent('room');
    m.joinVerified('room');
    expect(m.forget('room')).toEqual([{ type: 'detach', room: 'room' }]);
    expect(m.attached('room')).toBe(false);
    // A proof still being computed for the forgotten room does not attach anything.
    expect(m.joinSent('room')).toEqual([]);
    expect(m.want('room')).toEqual([{ type: 'prove', room: 'room' }]);
  });

  it('does nothing once closed', () => {
    const m = ready();
    m.closed();
    expect(m.phase).toBe('closed');
    expect(m.want('room')).toEqual([]);
    expect(m.classify(FrameKinds.sync, 'room')).toEqual({ type: 'ignore' });
  });
});

function ready(): LinkMachine {
  const m = new LinkMachine();
  m.opened();
  m.classify(FrameKinds.hello, null);
  m.helloSent();
  m.peerVerified(peer);
  return m;
}
