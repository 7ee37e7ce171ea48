/**
 * Who may write where, per kind of document. Two kinds exist:
 * - a conversation: per-device logs, `members`, `reads`, `meta`, `revoked`;
 * - a user's private self doc (contacts, conversation list, profile, read markers), shared
 *   only by that user's devices.
 * Every map value is a signed record; the rule names which device (or identity) must have
 * signed it.
 */
import { parseShardName } from '../conversation.js';
import type { DeviceId } from '../ids.js';
import type { IdentityId } from '../identity/keys.js';
import type { SignedRecord } from '../identity/signed.js';
import { isCertRecord } from './records.js';
import { isFileRootsRecord } from '../membership/file-roots-grant.js';
import { isHistoryRootsRecord } from '../membership/history-roots.js';

export type RootRule =
  /** A device's own event log shard. */
  | { readonly kind: 'log'; readonly owner: DeviceId }
  /** Device records: the key is the device id and the device signs its own record. */
  | { readonly kind: 'members' }
  /** Revocations: the key is a device id; its identity signs. */
  | { readonly kind: 'revocations' }
  /** Per-device values: the key is the writer's device id. */
  | { readonly kind: 'own-key'; readonly recordType: string; readonly validate?: RecordCheck }
  /** Shared values any member device may write. */
  | { readonly kind: 'any-member'; readonly recordType: string; readonly validate?: RecordCheck };

/**
 * Shape check of one kind of record, past the common fields (type, by, at, placement,
 * signature), run before any signature is verified. New record kinds add one.
 */
export type RecordCheck = (record: SignedRecord) => boolean;

export interface DocSchema {
  /** The rule for a root type, or null when the name is not part of the schema. */
  rule(root: string): RootRule | null;
  /** Whether a device certified by this identity may be a member. */
  admits(identity: IdentityId): boolean;
  /**
   * Writes dated after their device's newest certificate ended are refused
   * (docs/architecture.md §4.8). Conversations only: the self doc is where an expired
   * device of the user fetches its renewal, and it must not be cut off there for writing.
   */
  readonly certsExpire?: boolean;
}

// Maps, not object literals: a root named "__proto__" or "constructor" must find nothing.
const CONVERSATION_MAPS = new Map<string, RootRule>([
  ['members', { kind: 'members' }],
  ['revoked', { kind: 'revocations' }],
  ['reads', { kind: 'own-key', recordType: 'read' }],
  ['meta', { kind: 'any-member', recordType: 'meta' }],
  // Membership (docs/architecture.md §4.2): any member device may write these; who may do
  // what is decided by src/core/membership/rules.ts when the records are folded.
  ['epochs', { kind: 'any-member', recordType: 'epoch' }],
  ['leaves', { kind: 'own-key', recordType: 'leave' }],
  ['group', { kind: 'any-member', recordType: 'group' }],
  ['invites', { kind: 'any-member', recordType: 'invite' }],
  ['requests', { kind: 'any-member', recordType: 'request' }],
  // Older epochs' file roots an admin's device seals for everyone when it switches the group
  // to full history (docs/architecture.md §14.1).
  ['roots', { kind: 'any-member', recordType: 'history-roots', validate: isHistoryRootsRecord }],
]);

/** Record types allowed in a self doc's shared maps. */
const SELF_MAPS = new Map<string, RootRule>([
  ['members', { kind: 'members' }],
  ['revoked', { kind: 'revocations' }],
  ['contacts', { kind: 'any-member', recordType: 'contact' }],
  ['conversations', { kind: 'any-member', recordType: 'conversation' }],
  ['profile', { kind: 'any-member', recordType: 'profile' }],
  ['reads', { kind: 'any-member', recordType: 'read' }],
  // Epoch secrets one device hands to another of the same user, sealed to its X25519 key.
  ['handoffs', { kind: 'any-member', recordType: 'handoff' }],
  // Older epochs' file roots a device hands a newly linked one, sealed to its X25519 key
  // (docs/architecture.md §14.1).
  ['roots', { kind: 'any-member', recordType: 'file-roots', validate: isFileRootsRecord }],
  // Renewed device certificates from the device holding the identity key, keyed by the
  // device they certify (docs/architecture.md §4.8).
  ['certs', { kind: 'any-member', recordType: 'cert', validate: isCertRecord }],
]);

export function conversationSchema(admits: (identity: IdentityId) => boolean): DocSchema {
  return {
    rule(root) {
      const fixed = CONVERSATION_MAPS.get(root);
      if (fixed) return fixed;
      const shard = parseShardName(root);
      return shard ? { kind: 'log', owner: shard.author } : null;
    },
    admits,
    certsExpire: true,
  };
}

export function selfSchema(me: IdentityId): DocSchema {
  return {
    rule: (root) => SELF_MAPS.get(root) ?? null,
    admits: (identity) => identity === me,
  };
}

