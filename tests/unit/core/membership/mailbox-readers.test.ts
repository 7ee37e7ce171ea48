/** Who may be handed an epoch's mailbox contents (src/core/membership/mailbox-readers.ts). */
import { describe, expect, it } from 'vitest';
import type { IdentityId } from '../../../../src/core/identity/keys.js';
import { readersStillTrusted, type ReaderStatus } from '../../../../src/core/membership/mailbox-readers.js';

const alice = 'alice-identity' as IdentityId;
const bob = 'bob-identity' as IdentityId;
const owners = { 'alice-phone': alice, 'alice-laptop': alice, 'bob-phone': bob };

const status = (members: IdentityId[], revoked: string[] = []): ReaderStatus => ({
  isMember: (identity) => members.includes(identity),
  isRevoked: (device) => revoked.includes(device),
});

describe('the readers of an epoch’s mailbox', () => {
  it('are trusted when every device is a member’s and none is revoked', () => {
    expect(readersStillTrusted(owners, status([alice, bob]))).toBe(true);
  });

  it('are not when one person is no longer a member, though all their devices are unrevoked', () => {
    expect(readersStillTrusted(owners, status([alice]))).toBe(false);
  });

  it('are not when one device was revoked, though its person is still a member', () => {
    // The laptop's owner stays in the group; the laptop alone must not read what follows.
    expect(readersStillTrusted(owners, status([alice, bob], ['alice-laptop']))).toBe(false);
  });

  it('are not when the epoch names no reader at all', () => {
    expect(readersStillTrusted({}, status([alice, bob]))).toBe(false);
  });
});
