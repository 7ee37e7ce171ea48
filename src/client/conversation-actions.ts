/**
 * What the user can do to get a conversation: create a group, join one from an invite,
 * open the 1:1 chat with a contact, and find the conversation an invite or identity
 * belongs to.
 */
import { derivePairSecret } from '../core/identity/pairwise.js';
import type { IdentityId, PublicIdentity } from '../core/identity/keys.js';
import type { Topic } from '../core/ids.js';
import { parseInvite } from '../core/invite.js';
import { readInvite } from '../core/invite-note.js';
import type { ClientServices } from './client-services.js';
import { inviteIdOf } from './conversation/membership.js';
import type { ConversationSession } from './conversation-session.js';
import { ClientError } from './errors.js';
import type { JoinAttempt } from './join-attempt.js';

export class ConversationActions {
  constructor(private readonly s: ClientServices) {}

  /** A new group, with this user as its admin and a first invite (7 days). */
  async create(title = ''): Promise<ConversationSession> {
    this.s.requireAccount();
    return this.s.opener.createGroup(title);
  }

  /**
   * Starts joining a group from an invite link. Rejects with InvalidInviteError for text that
   * is not an invite. Nothing is stored unless a member grants the request.
   */
  async startJoin(link: string): Promise<JoinAttempt> {
    this.s.requireAccount();
    return this.s.joins.start(link);
  }

  /**
   * The conversation on this device that an invite link belongs to (its document holds the
   * invite's record), or null. Throws InvalidInviteError for text that is not an invite.
   */
  async inviteTopic(link: string): Promise<Topic | null> {
    const id = await inviteIdOf(parseInvite(link).secret);
    const has = (s: ConversationSession): boolean => s.membership.invites().some((i) => i.id === id);
    const sessions = this.s.conversations.sessions();
    for (const s of sessions) if (s.ready && has(s)) return s.id;
    // The record is in the document: conversations not loaded yet are loaded to look.
    for (const s of sessions) if (!s.ready && has(await this.s.conversations.load(s.id))) return s.id;
    return null;
  }

  /** Joins from an invite link and resolves once a member let this device in. */
  async join(link: string): Promise<ConversationSession> {
    // A link whose sealed inviter name does not open under its secret was altered: it is
    // refused (InvalidInviteError 'invite-wrong-secret') before any request is made.
    await readInvite(link);
    const grant = await (await this.startJoin(link)).done;
    return this.s.conversations.load(grant.conversation);
  }

  /** The 1:1 conversation with an identity: its secret comes from X25519 between us. */
  async openDirect(peer: PublicIdentity): Promise<ConversationSession> {
    const account = this.s.requireAccount();
    if (!account.identityKeys) throw new ClientError('needs-first-device', { detail: { action: 'add-contact' } });
    const secret = await derivePairSecret({ public: account.identity, ...account.identityKeys }, peer);
    return this.s.opener.adoptSecret(secret, { title: '', kind: 'direct', peer: peer.sign });
  }

  /** The open 1:1 conversation with an identity, if any. */
  directWith(identity: IdentityId): ConversationSession | undefined {
    for (const s of this.s.conversations.sessions()) if (s.isDirect && s.record.peer === identity) return s;
    return undefined;
  }

  /** Whether a contact has joined the 1:1 conversation with this user (a device of theirs is a member). */
  hasJoined(identity: IdentityId): boolean {
    const session = this.directWith(identity);
    if (!session) return false;
    for (const [, member] of session.synced.directory.members()) if (member.cert.identity.sign === identity) return true;
    return false;
  }
}
