/**
 * Who is in one conversation, as the UI and presence need it: names and avatars from the
 * signed member records, which identity a device belongs to, and the opaque presence ids.
 * Reads the document's directory; writes nothing.
 */
import type { DocDirectory } from '../../core/authorship/directory.js';
import type { ConversationLog } from '../../core/conversation.js';
import type { DeviceId } from '../../core/ids.js';
import type { IdentityId } from '../../core/identity/keys.js';
import { presenceId, type ConversationKeys } from '../../core/keys.js';
import type { Account, RecentMessage } from '../../store/types.js';

export interface MemberViewParts {
  readonly account: Account;
  readonly directory: DocDirectory;
  readonly log: ConversationLog;
  /** The current presence key; it changes with the conversation's epoch. */
  readonly presenceKey: () => Pick<ConversationKeys, 'presenceKey'>;
}

export class MemberView {
  /** Names of the cached recent messages' authors, until member records are loaded. */
  private readonly cachedNames = new Map<string, string>();
  private presenceIds = new Map<string, Promise<string>>();
  private presenceKeyUsed: Pick<ConversationKeys, 'presenceKey'> | null = null;

  constructor(private readonly parts: MemberViewParts) {}

  private get me(): DeviceId {
    return this.parts.account.device.id;
  }

  /** Remembers the names shown with cached messages, for before the document loads. */
  rememberNames(recent: readonly RecentMessage[]): void {
    for (const m of recent) this.cachedNames.set(m.author, m.name);
  }

  /** The name a device's signed member record gives (its identity's chosen name). */
  nameOf(device: DeviceId): string {
    if (device === this.me) return this.parts.account.name;
    return this.parts.log.members.get(device)?.name ?? this.cachedNames.get(device) ?? 'Someone';
  }

  /** The avatar a device's member record carries, if any. */
  avatarOf(device: DeviceId): string | undefined {
    if (device === this.me) return this.parts.account.avatar;
    return this.parts.log.members.get(device)?.avatar;
  }

  /** Whether a device's signed member record says it is a program (a bot). */
  isBot(device: DeviceId): boolean {
    if (device === this.me) return this.parts.account.bot === true;
    return this.parts.log.members.get(device)?.bot === true;
  }

  identityOf(device: DeviceId): IdentityId | null {
    return this.parts.directory.identityOf(device);
  }

  /** True for events written by any device of this user. */
  isMine(device: DeviceId): boolean {
    return device === this.me || this.identityOf(device) === this.parts.account.identity.sign;
  }

  /** Identities of the other members (any of their devices), not revoked. */
  otherIdentities(): Set<IdentityId> {
    const out = new Set<IdentityId>();
    for (const [device, member] of this.parts.directory.members()) {
      const identity = member.cert.identity.sign;
      if (identity !== this.parts.account.identity.sign && !this.parts.directory.revocation(device)) out.add(identity);
    }
    return out;
  }

  /** "Bob, Carol": the names of the other members, for a group without a title. */
  othersNames(): string[] {
    const names = new Set<string>();
    for (const [device, member] of this.parts.directory.members()) {
      if (member.cert.identity.sign !== this.parts.account.identity.sign) names.add(this.nameOf(device));
    }
    return [...names];
  }

  /** The opaque id under which an identity is online in this conversation (this epoch). */
  presenceIdOf(identity: IdentityId): Promise<string> {
    const keys = this.parts.presenceKey();
    if (keys !== this.presenceKeyUsed) {
      this.presenceKeyUsed = keys;
      this.presenceIds = new Map();
    }
    let id = this.presenceIds.get(identity);
    if (!id) this.presenceIds.set(identity, (id = presenceId(keys, identity)));
    return id;
  }
}
