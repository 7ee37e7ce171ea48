/**
 * Plain epoch records for unit tests of the membership fold (docs/architecture.md §4.3):
 * people by name, one device each, shares that are only the right shape (their sealing and
 * signatures are tested elsewhere).
 */
import { foldMembership, type FoldInput, type MembershipState } from '../../src/core/membership/fold.js';
import type { EpochRecord, MembershipOp } from '../../src/core/membership/records.js';
import type { DeviceId } from '../../src/core/ids.js';
import type { IdentityId } from '../../src/core/identity/keys.js';

export const id = (name: string) => name.padEnd(43, 'x') as IdentityId;
export const dev = (name: string) => `${name}-device` as DeviceId;
const people = ['alice', 'bob', 'carol', 'dave', 'erin'];
/** Device → identity; tests may add devices (a second device of someone). */
export const identityOfDevice = new Map(people.map((p) => [dev(p), id(p)]));

const SHARE = 'S'.repeat(123);

/** An epoch record `rid` (`e<seq>-…`) by `by`'s device, sealing a share to each of `holders`. */
export function record(rid: string, parents: string[], by: string, ops: MembershipOp[], holders: string[], reason?: string): EpochRecord {
  const n = Number(/^e(\d+)-/.exec(rid)![1]);
  return {
    type: 'epoch',
    id: rid,
    seq: n,
    parents,
    ops,
    shares: Object.fromEntries(holders.map((h) => [dev(h), SHARE])),
    owners: Object.fromEntries(holders.map((h) => [dev(h), id(h)])),
    keys: Object.fromEntries(holders.map((h) => [dev(h), 'K'.repeat(43)])),
    ...(parents.length === 0 ? { nonce: 'nonce-nonce-nonce-1' } : {}),
    ...(reason === undefined ? {} : { reason }),
    by: dev(by),
    at: 1,
    c: 1,
    k: 1,
    n: 'AAAAAAAAAAA',
    sig: 'x',
  } as EpochRecord;
}

export const add = (who: string, role: 'admin' | 'member' = 'member'): MembershipOp => ({ op: 'add', identity: id(who), role });
export const remove = (who: string, cutoffs: Record<string, number> = {}): MembershipOp => ({ op: 'remove', identity: id(who), cutoffs });

/** The fold of a group whose genesis Alice wrote (`extra` overrides any input). */
export function fold(records: EpochRecord[], extra: Partial<FoldInput> = {}): MembershipState {
  return foldMembership({
    conversation: 'c',
    records,
    implicit: null,
    kind: 'group',
    identityOf: (d) => identityOfDevice.get(d) ?? null,
    revoked: () => false,
    leaves: [],
    isGenesisOf: (identity, nonce) => identity === id('alice') && nonce === 'nonce-nonce-nonce-1',
    ...extra,
  });
}
