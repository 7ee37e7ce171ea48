/**
 * The member side of invites (docs/architecture.md §4.5): this device listens on the sealed
 * channel of every invite of every group it is a member of, and answers join requests —
 * refused (expired, revoked, turned down), waiting for approval (recorded for the admins),
 * or granted: a new epoch that adds the person, and the joining device's share of it (in a
 * full-history group, with the older epochs' file roots sealed to it, §14.1).
 */
import { fromBase64Url } from '../core/bytes.js';
import type { DeviceId, Topic } from '../core/ids.js';
import type { IdentityId, VerifyKeyCache } from '../core/identity/keys.js';
import { deriveChannel, type ChannelKeys } from '../core/keys.js';
import { Disposables } from '../core/lifecycle.js';
import { errorField, type Logger } from '../core/logger.js';
import { addTurn, ADD_TURN_MS } from '../core/membership/add-order.js';
import { readsFilesOf, sealFileRoots } from '../core/membership/file-roots-grant.js';
import { requestDevice, verifyJoinRequest, type JoinAnswer, type JoinRequest, type RefusalReason } from '../core/membership/join-messages.js';
import type { EpochRecord } from '../core/membership/records.js';
import { INVITE_PURPOSE } from '../core/invite.js';
import { openMessage, sealMessage } from '../net/sealed-channel.js';
import type { Signaling } from '../net/signaling-port.js';
import type { Account } from '../store/types.js';
import type { ConversationSession } from './conversation-session.js';

/** Refusals for expired or revoked invites are still given this long afterwards. */
const ANSWER_AFTER_EXPIRY_MS = 30 * 24 * 60 * 60 * 1000;
/** A random moment on top of a device's turn to add, so equal views still rarely collide. */
const ADD_JITTER_MS = 250;
const REFRESH_DELAY_MS = 200;

interface Listening {
  readonly channel: ChannelKeys;
  readonly invite: string;
  readonly conversation: Topic;
}

export interface InviteDeskParts {
  readonly signaling: Signaling;
  readonly verifyKeys: VerifyKeyCache;
  readonly account: () => Account | null;
  readonly sessions: () => Iterable<ConversationSession>;
  readonly session: (id: Topic) => ConversationSession | undefined;
  /** Whether any document here says a device was revoked. */
  readonly isRevoked: (device: DeviceId, identity: IdentityId) => boolean;
  readonly now: () => number;
  readonly logger: Logger;
}

export class InviteDesk {
  private readonly listening = new Map<string, Listening>();
  private readonly busy = new Set<DeviceId>();
  private pending = false;
  private readonly disposables = new Disposables();

  constructor(private readonly parts: InviteDeskParts) {}

  start(): void {
    this.parts.signaling.on('message', this.onMessage);
    this.disposables.add(() => this.parts.signaling.off('message', this.onMessage));
    this.refresh();
  }

  /** Re-reads which invites to listen for (after membership or invite changes). */
  refresh(): void {
    if (this.pending || this.disposables.isDisposed) return;
    this.pending = true;
    this.disposables.timeout(() => {
      this.pending = false;
      void this.resubscribe().catch((error: unknown) => this.parts.logger.warn('invite channels not updated', { error: errorField(error) }));
    }, REFRESH_DELAY_MS);
  }

  destroy(): void {
    for (const topic of this.listening.keys()) this.parts.signaling.unsubscribe(topic);
    this.listening.clear();
    this.disposables.dispose();
  }

  private async resubscribe(): Promise<void> {
    const me = this.parts.account()?.identity.sign;
    if (!me) return;
    const wanted = new Map<string, { secret: Uint8Array; invite: string; conversation: Topic }>();
    const now = this.parts.now();
    for (const session of this.parts.sessions()) {
      if (!session.ready || session.ended || !session.membership.isMember(me)) continue;
      for (const invite of session.membership.invites()) {
        const secret = invite.secret ? fromBase64Url(invite.secret) : null;
        if (secret && invite.expires + ANSWER_AFTER_EXPIRY_MS > now) wanted.set(invite.id, { secret, invite: invite.id, conversation: session.id });
      }
    }
    for (const [topic, l] of this.listening) {
      if (!wanted.has(l.invite)) {
        this.listening.delete(topic);
        this.parts.signaling.unsubscribe(topic);
      }
    }
    const known = new Set([...this.listening.values()].map((l) => l.invite));
    for (const w of wanted.values()) {
      if (known.has(w.invite)) continue;
      const channel = await deriveChannel(w.secret, INVITE_PURPOSE);
      this.listening.set(channel.topic, { channel, invite: w.invite, conversation: w.conversation });
      this.parts.signaling.subscribe(channel.topic);
    }
  }

  private readonly onMessage = (topic: string, data: unknown): void => {
    const l = this.listening.get(topic);
    if (!l) return;
    void (async () => {
      const request = await verifyJoinRequest(this.parts.verifyKeys, await openMessage(l.channel.key, topic, data), l.invite, this.parts.now());
      if (request) await this.answer(l, request);
    })().catch((error: unknown) => this.parts.logger.warn('join request not answered', { error: errorField(error) }));
  };

  private async answer(l: Listening, request: JoinRequest): Promise<void> {
    const session = this.parts.session(l.conversation);
    const account = this.parts.account();
    if (!session || !account || session.ended) return;
    const device = requestDevice(request);
    const identity = request.cert.identity.sign;
    // One answer at a time per joining device: it asks again every few seconds.
    if (this.busy.has(device)) return;
    this.busy.add(device);
    try {
      const refusal = this.refusal(session, l.invite, device, identity);
      if (refusal) return await this.send(l, { t: 'join-answer', to: device, status: 'refused', reason: refusal });
      const view = session.membership;
      const current = view.state.current;
      if (view.isMember(identity) && current?.record?.shares[device]) return await this.grant(l, session, current.record, device);
      if (!view.isMember(identity) && view.settings().approval) {
        await this.recordRequest(session, l.invite, request, device);
        return await this.send(l, { t: 'join-answer', to: device, status: 'pending' });
      }
      // The devices present take turns (core/membership/add-order.ts): wait for this one's,
      // then look again; whoever added first has usually reached it by then.
      const turn = addTurn(account.device.id, session.presentDevices(), device);
      await new Promise((r) => setTimeout(r, turn * ADD_TURN_MS + Math.random() * ADD_JITTER_MS));
      if (session.ended || this.disposables.isDisposed) return;
      const again = view.state.current;
      if (again?.record?.shares[device]) return await this.grant(l, session, again.record, device);
      const target = { device, identity, dh: request.dh };
      // A new device of someone already in gets a rotation that includes it.
      const record = view.isMember(identity) ? await session.changes.rotate('device', [target]) : await session.changes.add([target]);
      // Another member may have added them at the same moment: grant the epoch the fold
      // picked among the two (everyone goes there), not a sibling nobody will stay on — a
      // joiner granted that one would wait alone on its topic (docs/architecture.md §4.3).
      const settled = view.state.current?.record;
      await this.grant(l, session, settled?.shares[device] ? settled : record, device);
    } finally {
      this.busy.delete(device);
    }
  }

  /** Why this request is refused, or null when it may go ahead. */
  private refusal(session: ConversationSession, inviteId: string, device: DeviceId, identity: IdentityId): RefusalReason | null {
    const view = session.membership;
    const invite = view.invites().find((i) => i.id === inviteId);
    if (!invite) return 'unknown';
    if (invite.revoked) return 'revoked';
    if (invite.expires <= this.parts.now() && !view.isMember(identity)) return 'expired';
    // A revoked device gets no answer it could tell apart from an unknown invite.
    if (this.parts.isRevoked(device, identity)) return 'unknown';
    if (view.isDeclined(device)) return 'declined';
    return null;
  }

  private async recordRequest(session: ConversationSession, invite: string, request: JoinRequest, device: DeviceId): Promise<void> {
    if (session.membership.pendingRequests().some((r) => r.device === device)) return;
    await session.changes.recordRequest(invite, request, device);
  }

  private async grant(l: Listening, session: ConversationSession, record: EpochRecord, device: DeviceId): Promise<void> {
    const share = record.shares[device];
    if (!share) return;
    const files = await this.sealedFileRoots(session, record, device);
    await this.send(l, {
      t: 'join-answer',
      to: device,
      status: 'granted',
      conversation: session.id,
      title: session.membership.settings().name,
      epoch: record.id,
      n: record.seq,
      share,
      ...(files ? { files } : {}),
    });
  }

  /**
   * A full-history group hands the joiner the file roots of the epochs before `record`
   * (never their secrets), sealed to the joining device; a "from join" group hands only
   * those of epochs this person held a share of before (someone added back), so files sent
   * before they first joined stay closed to them (docs/architecture.md §4.6, §14.1).
   */
  private async sealedFileRoots(session: ConversationSession, record: EpochRecord, device: DeviceId): Promise<string | null> {
    const dh = record.keys[device];
    const identity = record.owners[device];
    if (!dh || !identity) return null;
    const view = session.membership;
    const reader = { identity, history: view.settings().history, joinedAt: view.joinedAt(identity) };
    const held = await session.fileRoots(record.id);
    const roots = Object.fromEntries(Object.entries(held).filter(([id]) => readsFilesOf(view.state.epochs.get(id), reader)));
    if (Object.keys(roots).length === 0) return null;
    return sealFileRoots(dh, roots, { conversation: session.id, epoch: record.id, device });
  }

  private async send(l: Listening, answer: JoinAnswer): Promise<void> {
    this.parts.signaling.publish(l.channel.topic, await sealMessage(l.channel.key, l.channel.topic, answer));
  }
}
