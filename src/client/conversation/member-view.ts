/**
 * Who is in one conversation, as the UI and presence need it: names and avatars from the
 * signed member records, which identity a device belongs to, and the opaque presence ids.
 * Reads the document's directory; writes nothing.
 */
import type { DocDirectory } from '../../core/authorship/directory.js';
import { foldName, NameLabels, type NameClaim } from '../../core/authorship/names.js';
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
  /** The user's contact record for an identity: the name they know it by, and whether verified. */
  readonly contactOf?: (identity: IdentityId) => KnownContact | null;
}

/** What the user's contact list says about an identity. */
export interface KnownContact {
  readonly name: string;
  /** The user compared safety numbers with this identity. */
  readonly verified: boolean;
}

export class MemberView {
  /** Names of the cached recent messages' authors, until member records are loaded. */
  private readonly cachedNames = new Map<string, string>();
  private presenceIds = new Map<string, Promise<string>>();
  private presenceKeyUsed: Pick<ConversationKeys, 'presenceKey'> | null = null;
  /** Built on demand from every name claim; dropped when members or contacts change. */
  private labels: NameLabels | null = null;

  constructor(private readonly parts: MemberViewParts) {}

  /** Members or the user's contacts changed: names are told apart afresh on next use. */
  forgetLabels(): void {
    this.labels = null;
  }

  private get me(): DeviceId {
    return this.parts.account.device.id;
  }

  /** Remembers the names shown with cached messages, for before the document loads. */
  rememberNames(recent: readonly RecentMessage[]): void {
    for (const m of recent) this.cachedNames.set(m.author, m.name);
  }

  /**
   * The name a device goes by — at time `at` when given, since a rename applies from the
   * rename onward — told apart from other identities that claimed the same name ("Alice (2)",
   * core/authorship/names.ts).
   */
  nameOf(device: DeviceId, at?: number): string {
    if (device === this.me) return this.parts.account.name;
    const { directory } = this.parts;
    const current = this.parts.log.members.get(device)?.name;
    const name = (at === undefined ? undefined : directory.nameAt(device, at)) ?? current ?? this.cachedNames.get(device) ?? 'Someone';
    const identity = directory.identityOf(device);
    return identity ? this.nameLabels().label(identity, name) : name;
  }

  /** True when the user marked this device's identity as verified (compared safety numbers). */
  isVerified(device: DeviceId): boolean {
    const identity = this.identityOf(device);
    return identity !== null && this.parts.contactOf?.(identity)?.verified === true;
  }

  private nameLabels(): NameLabels {
    if (this.labels) return this.labels;
    const mine = this.parts.account.identity.sign;
    const claims: NameClaim[] = [];
    for (const { identity, at, name } of this.parts.directory.nameHistory()) {
      const known = identity === mine ? null : this.parts.contactOf?.(identity);
      const rank = identity === mine ? 0 : known && foldName(known.name) === foldName(name) ? 1 : 2;
      claims.push({ identity, name, since: at, rank });
    }
    return (this.labels = new NameLabels(claims));
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

  /** The identities behind some devices (e.g. those syncing with us now). */
  identitiesOf(devices: Iterable<string>): Set<IdentityId> {
    const out = new Set<IdentityId>();
    for (const device of devices) {
      const identity = this.identityOf(device as DeviceId);
      if (identity) out.add(identity);
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
