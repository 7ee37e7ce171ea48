/**
 * Who can read an epoch's mailbox (docs/architecture.md §4.4): every device the epoch's
 * record sealed a share to. A device hands an epoch's mailbox something it holds now (a
 * newer epoch's record, a snapshot of the document) only when each of those readers may
 * still read all of it: its person is still a member, and the device itself was not
 * revoked since. One check for every such hand-over, so none of them is looser than another.
 */
import type { IdentityId } from '../identity/keys.js';

export interface ReaderStatus {
  /** Whether the person is a member now (not removed, not left). */
  readonly isMember: (identity: IdentityId) => boolean;
  /** Whether the device was revoked by its owner, `identity` as the epoch's record names it. */
  readonly isRevoked: (device: string, identity: IdentityId) => boolean;
}

/**
 * True when every reader of the mailbox of an epoch with these `owners` (device → identity)
 * is a member's device and unrevoked. An epoch without owners is nobody's: false.
 */
export function readersStillTrusted(owners: Readonly<Record<string, IdentityId>>, status: ReaderStatus): boolean {
  const readers = Object.entries(owners);
  return readers.length > 0 && readers.every(([device, identity]) => status.isMember(identity) && !status.isRevoked(device, identity));
}
