/**
 * The state of one link, decided in one place (docs/architecture.md §5). Pure and
 * synchronous: the mesh feeds it what happened (the link opened, a hello verified, a join
 * proof went out or checked out) and carries out the actions it returns (send a hello,
 * prove membership, attach or detach a conversation, drop the link). Unit tests drive it
 * directly.
 *
 *   connecting ──open──▶ hello ──our hello sent + theirs verified──▶ ready ──▶ closed
 *
 * Per conversation, each side's join: ours is none → proving → sent; theirs is none →
 * verified. A conversation syncs (is attached) exactly while ours is sent and theirs
 * verified, so no sync or presence frame ever leaves before our join, and none is accepted
 * before theirs.
 */
import type { PeerIdentity } from '../core/identity/handshake.js';
import type { Violation } from './drop-reason.js';
import { FrameKinds, type FrameKind } from './framing.js';

export type LinkPhase = 'connecting' | 'hello' | 'ready' | 'closed';

export type LinkAction<R extends string = string> =
  | { readonly type: 'send-hello' }
  /** Compute and send our membership proof for a room, then report `joinSent`. */
  | { readonly type: 'prove'; readonly room: R }
  | { readonly type: 'attach'; readonly room: R }
  | { readonly type: 'detach'; readonly room: R };

/** What to do with an incoming frame. */
export type FrameVerdict =
  | { readonly type: 'hello' }
  | { readonly type: 'join' }
  | { readonly type: 'deliver' }
  | { readonly type: 'leave' }
  | { readonly type: 'ignore' }
  | { readonly type: 'drop'; readonly violation: Violation };

interface JoinState {
  /** We want to offer this room on the link (the remote showed it is in the conversation). */
  wanted: boolean;
  ours: 'none' | 'proving' | 'sent';
  theirs: 'none' | 'verified';
}

export class LinkMachine<R extends string = string> {
  private state: LinkPhase = 'connecting';
  private helloOut = false;
  private helloIn: 'none' | 'checking' | 'verified' = 'none';
  private verifiedPeer: PeerIdentity | null = null;
  private readonly joins = new Map<R, JoinState>();

  get phase(): LinkPhase {
    return this.state;
  }

  get peer(): PeerIdentity | null {
    return this.verifiedPeer;
  }

  /** Whether a room syncs on this link right now. */
  attached(room: R): boolean {
    const j = this.joins.get(room);
    return j !== undefined && j.ours === 'sent' && j.theirs === 'verified';
  }

  /** Whether we sent, or are preparing, our proof for a room. */
  offered(room: R): boolean {
    return (this.joins.get(room)?.ours ?? 'none') !== 'none';
  }

  /** Rooms that sync on this link. */
  attachedRooms(): R[] {
    return [...this.joins.keys()].filter((room) => this.attached(room));
  }

  /** The link opened: say hello. */
  opened(): LinkAction<R>[] {
    if (this.state !== 'connecting') return [];
    this.state = 'hello';
    return [{ type: 'send-hello' }];
  }

  /** Our hello went out. */
  helloSent(): LinkAction<R>[] {
    if (this.state === 'closed' || this.helloOut) return [];
    this.helloOut = true;
    return this.becomeReady();
  }

  /** The remote's hello checked out. */
  peerVerified(peer: PeerIdentity): LinkAction<R>[] {
    if (this.state === 'closed') return [];
    this.helloIn = 'verified';
    this.verifiedPeer = peer;
    return this.becomeReady();
  }

  /**
   * The remote is in this room (seen on its rendezvous, or it sent a join): offer ours once
   * the link is ready. `admits` is the room's policy for the verified device.
   */
  want(room: R): LinkAction<R>[] {
    if (this.state === 'closed') return [];
    const j = this.join(room);
    j.wanted = true;
    return this.state === 'ready' ? this.prove(room, j) : [];
  }

  /** Our proof for a room went out on the link. */
  joinSent(room: R): LinkAction<R>[] {
    const j = this.joins.get(room);
    if (!j || j.ours !== 'proving' || this.state === 'closed') return [];
    j.ours = 'sent';
    return j.theirs === 'verified' ? [{ type: 'attach', room }] : [];
  }

  /** The remote's proof for a room checked out. */
  joinVerified(room: R): LinkAction<R>[] {
    if (this.state === 'closed') return [];
    const j = this.join(room);
    if (j.theirs === 'verified') return [];
    j.theirs = 'verified';
    j.wanted = true;
    if (j.ours === 'sent') return [{ type: 'attach', room }];
    return this.state === 'ready' ? this.prove(room, j) : [];
  }

  /**
   * The room is gone on either side (we left it, the remote sent `leave`, or it moved to new
   * keys): forget both joins; a later join starts over.
   */
  forget(room: R): LinkAction<R>[] {
    const wasAttached = this.attached(room);
    this.joins.delete(room);
    return wasAttached ? [{ type: 'detach', room }] : [];
  }

  /**
   * Decides what an incoming frame may do, given whether its room exists here (`room` null:
   * no local room for its doc id). Hello handling is marked as begun here.
   */
  classify(kind: FrameKind, room: R | null): FrameVerdict {
    if (this.state === 'closed') return { type: 'ignore' };
    if (kind === FrameKinds.hello) {
      if (this.helloIn !== 'none') return { type: 'drop', violation: { reason: 'second-hello' } };
      this.helloIn = 'checking';
      return { type: 'hello' };
    }
    if (this.helloIn !== 'verified') return { type: 'drop', violation: { reason: 'frame-before-hello' } };
    if (kind === FrameKinds.join) return room === null ? { type: 'ignore' } : { type: 'join' };
    // A conversation this device left (or never had): nothing to do.
    if (room === null) return { type: 'ignore' };
    const j = this.joins.get(room);
    if (!j || j.theirs !== 'verified') {
      // A leave for a room the remote never joined here is harmless.
      if (kind === FrameKinds.leave) return { type: 'ignore' };
      return { type: 'drop', violation: { reason: 'frame-before-join' } };
    }
    if (kind === FrameKinds.leave) return { type: 'leave' };
    return { type: 'deliver' };
  }

  closed(): void {
    this.state = 'closed';
    this.joins.clear();
  }

  private becomeReady(): LinkAction<R>[] {
    if (this.state !== 'hello' || !this.helloOut || this.helloIn !== 'verified') return [];
    this.state = 'ready';
    const actions: LinkAction<R>[] = [];
    for (const [room, j] of this.joins) if (j.wanted) actions.push(...this.prove(room, j));
    return actions;
  }

  private prove(room: R, j: JoinState): LinkAction<R>[] {
    if (j.ours !== 'none') return [];
    j.ours = 'proving';
    return [{ type: 'prove', room }];
  }

  private join(room: R): JoinState {
    let j = this.joins.get(room);
    if (!j) this.joins.set(room, (j = { wanted: false, ours: 'none', theirs: 'none' }));
    return j;
  }
}
