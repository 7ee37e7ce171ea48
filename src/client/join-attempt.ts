/**
 * The joining side of an invite (docs/architecture.md §4.5): ask on the invite's sealed
 * channel until a member answers. Nothing is stored on this device until a grant arrives,
 * so an expired, revoked or unknown invite leaves nothing behind.
 *
 * States: `asking` (no member has answered yet: nobody may be online), `pending` (waiting
 * for an admin's approval), `granted`, `refused`.
 */
import { ObservableV2 } from 'lib0/observable';
import type { Topic } from '../core/ids.js';
import { currentDh, type Account } from '../core/identity/account.js';
import { INVITE_PURPOSE, type Invite } from '../core/invite.js';
import { deriveChannel } from '../core/keys.js';
import { Disposables } from '../core/lifecycle.js';
import { errorField, type Logger } from '../core/logger.js';
import { createJoinRequest, isJoinAnswer, type JoinAnswer, type RefusalReason } from '../core/membership/join-messages.js';
import { openShare } from '../core/membership/seal.js';
import { openFileRoots, type FileRootsContext } from '../core/membership/file-roots-grant.js';
import { openMessage, sealMessage } from '../net/sealed-channel.js';
import type { Signaling } from '../net/signaling-port.js';
import { ClientError, type ClientErrorCode } from './errors.js';
import { inviteIdOf } from './conversation/membership.js';

const ASK_EVERY_MS = 2_000;

export type JoinStatus = 'asking' | 'pending' | 'granted' | 'refused';

/** What a grant gives: enough to create the conversation on this device. */
export interface Grant {
  readonly conversation: Topic;
  readonly title: string;
  readonly epoch: string;
  readonly n: number;
  readonly secret: Uint8Array;
  /** Older epochs' file roots, handed over by a full-history group (docs/architecture.md §14.1). */
  readonly fileRoots?: Readonly<Record<string, string>>;
}

export type JoinEvents = {
  /** The status changed. */
  changed: (status: JoinStatus) => void;
};

const REFUSALS: Record<RefusalReason, ClientErrorCode> = {
  expired: 'invite-expired',
  revoked: 'invite-revoked',
  unknown: 'invite-unknown',
  declined: 'join-declined',
};

export interface JoinAttemptParts {
  readonly invite: Invite;
  readonly account: Account;
  readonly signaling: Signaling;
  readonly now: () => number;
  readonly logger: Logger;
  /** Creates the conversation from a grant (the only thing that stores anything). */
  readonly accept: (grant: Grant) => Promise<void>;
}

export class JoinAttempt extends ObservableV2<JoinEvents> {
  private state: JoinStatus = 'asking';
  private failure: ClientError | null = null;
  private readonly disposables = new Disposables();
  private settle: { resolve: (grant: Grant) => void; reject: (error: Error) => void } | null = null;
  /** Resolves with the grant once accepted; rejects with a ClientError when refused or cancelled. */
  readonly done: Promise<Grant>;

  constructor(private readonly parts: JoinAttemptParts) {
    super();
    this.done = new Promise<Grant>((resolve, reject) => (this.settle = { resolve, reject }));
    // Nobody may be waiting on `done` (the UI follows `changed`): never an unhandled rejection.
    this.done.catch(() => undefined);
  }

  get status(): JoinStatus {
    return this.state;
  }

  get error(): ClientError | null {
    return this.failure;
  }

  /** Starts asking; refuses at once, storing nothing, when the link says it expired. */
  async start(): Promise<void> {
    if (this.parts.invite.expires <= this.parts.now()) return this.refuse('invite-expired');
    const dh = currentDh(this.parts.account);
    if (!dh) return this.refuse('no-device-key');
    const inviteId = await inviteIdOf(this.parts.invite.secret);
    const channel = await deriveChannel(this.parts.invite.secret, INVITE_PURPOSE);
    const { signaling, account } = this.parts;
    const onMessage = (topic: string, data: unknown): void => {
      if (topic !== channel.topic) return;
      void (async () => {
        const answer = await openMessage(channel.key, topic, data);
        if (isJoinAnswer(answer, account.device.id)) await this.onAnswer(answer, dh.private);
      })().catch((error: unknown) => this.parts.logger.warn('join answer failed', { error: errorField(error) }));
    };
    signaling.on('message', onMessage);
    signaling.subscribe(channel.topic);
    this.disposables.add(() => {
      signaling.off('message', onMessage);
      signaling.unsubscribe(channel.topic);
    });
    const ask = async (): Promise<void> => {
      if (this.state === 'granted' || this.state === 'refused') return;
      const request = await createJoinRequest({ invite: inviteId, cert: account.cert, dh: dh.public, name: account.name, at: this.parts.now() }, account.device.signPrivate);
      signaling.publish(channel.topic, await sealMessage(channel.key, channel.topic, request));
    };
    this.disposables.interval(() => void ask(), ASK_EVERY_MS);
    await ask();
  }

  /** Stops asking (the user gave up). */
  cancel(): void {
    if (this.state === 'granted' || this.state === 'refused') return;
    this.disposables.dispose();
    this.settle?.reject(new ClientError('join-timeout'));
  }

  private async onAnswer(answer: JoinAnswer, dhPrivate: CryptoKey): Promise<void> {
    if (this.state === 'granted' || this.state === 'refused') return;
    if (answer.status === 'pending') return this.set('pending');
    if (answer.status === 'refused') return this.refuse(REFUSALS[answer.reason]);
    const context = { conversation: answer.conversation, epoch: answer.epoch, device: this.parts.account.device.id };
    const secret = await openShare(dhPrivate, answer.share, context);
    const fileRoots = answer.files ? await this.openRoots(dhPrivate, answer.files, context) : null;
    // Another grant may have been handled while this share was opening.
    if ((this.state as JoinStatus) === 'granted') return;
    this.state = 'granted';
    this.disposables.dispose();
    const grant: Grant = { conversation: answer.conversation, title: answer.title, epoch: answer.epoch, n: answer.n, secret, ...(fileRoots ? { fileRoots } : {}) };
    try {
      await this.parts.accept(grant);
    } catch (error) {
      this.failure = error instanceof ClientError ? error : new ClientError('storage-failed', { cause: error, detail: { what: 'conversation' } });
      this.settle?.reject(this.failure);
      this.emit('changed', ['granted']);
      return;
    }
    this.settle?.resolve(grant);
    this.emit('changed', ['granted']);
  }

  /** The file roots of a grant; ones that do not open are left out (the join still goes ahead). */
  private async openRoots(dhPrivate: CryptoKey, sealed: string, context: FileRootsContext): Promise<Record<string, string> | null> {
    try {
      return await openFileRoots(dhPrivate, sealed, context);
    } catch (error) {
      this.parts.logger.warn('file roots of a grant did not open', { error: errorField(error) });
      return null;
    }
  }

  private set(status: JoinStatus): void {
    if (this.state === status) return;
    this.state = status;
    this.emit('changed', [status]);
  }

  private refuse(code: ClientErrorCode): void {
    this.failure = new ClientError(code);
    this.disposables.dispose();
    this.state = 'refused';
    this.settle?.reject(this.failure);
    this.emit('changed', ['refused']);
  }

  override destroy(): void {
    this.disposables.dispose();
    super.destroy();
  }
}
