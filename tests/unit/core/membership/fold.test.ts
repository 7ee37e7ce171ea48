/**
 * The membership fold (docs/architecture.md §4.3): which epoch records count, who is a
 * member, and which epoch every device converges on — in particular after concurrent
 * removals on two sides of a partition. Pure logic: records are plain objects (their
 * signatures are the authorizer's business, tested elsewhere).
 */
import { describe, expect, it } from 'vitest';
import { foldMembership } from '../../../../src/core/membership/fold.js';
import type { LeaveRecord } from '../../../../src/core/membership/records.js';
import type { DeviceId } from '../../../../src/core/ids.js';
import { add, dev, fold, id, identityOfDevice, record, remove } from '../../../helpers/epoch-records.js';

const genesis = record('e0-genesis01', [], 'alice', [add('alice', 'admin'), add('bob'), add('carol'), add('dave')], ['alice', 'bob', 'carol', 'dave']);

describe('membership fold', () => {
  it('follows a chain of adds and removals, and only the creator can write the genesis', () => {
    const removeDave = record('e1-removedave', ['e0-genesis01'], 'alice', [remove('dave')], ['alice', 'bob', 'carol']);
    const state = fold([removeDave, genesis]);
    expect([...state.members.keys()].sort()).toEqual([id('alice'), id('bob'), id('carol')].sort());
    expect(state.members.get(id('alice'))).toBe('admin');
    expect(state.members.get(id('bob'))).toBe('member');
    expect(state.current?.id).toBe('e1-removedave');
    expect(state.removed.has(id('dave'))).toBe(true);

    // Bob writes a genesis of his own: ignored, his conversation id would differ.
    const fake = record('e0-fakegenes1', [], 'bob', [add('bob', 'admin')], ['bob']);
    expect(fold([fake]).current).toBeNull();
    expect(fold([genesis, fake]).current?.id).toBe('e0-genesis01');
  });

  it('ignores a removal by a member who is not an admin, and a self-promotion', () => {
    const bobRemovesCarol = record('e1-bobremoves', ['e0-genesis01'], 'bob', [remove('carol')], ['alice', 'bob', 'dave']);
    const bobPromotes = record('e1-bobpromote', ['e0-genesis01'], 'bob', [{ op: 'role', identity: id('bob'), role: 'admin' }], ['alice', 'bob', 'carol', 'dave']);
    const state = fold([genesis, bobRemovesCarol, bobPromotes]);
    expect(state.epochs.has('e1-bobremoves')).toBe(false);
    expect(state.epochs.has('e1-bobpromote')).toBe(false);
    expect(state.members.has(id('carol'))).toBe(true);
    expect(state.current?.id).toBe('e0-genesis01');
  });

  it('concurrent removals on two sides of a partition need a merge, and every device then converges on it', () => {
    const promote = record('e1-promotebob', ['e0-genesis01'], 'alice', [{ op: 'role', identity: id('bob'), role: 'admin' }], ['alice', 'bob', 'carol', 'dave']);
    // Partition: Alice removes Carol (Dave still gets a share), Bob removes Dave (Carol does).
    const left = record('e2-aliceside1', ['e1-promotebob'], 'alice', [remove('carol')], ['alice', 'bob', 'dave']);
    const right = record('e2-bobside001', ['e1-promotebob'], 'bob', [remove('dave')], ['alice', 'bob', 'carol']);
    const forked = fold([genesis, promote, left, right]);
    expect(forked.current).toBeNull();
    expect(forked.needsMerge).toBe(true);
    expect([...forked.members.keys()].sort()).toEqual([id('alice'), id('bob')].sort());

    // Both admins write a merge at once; both are usable, one wins deterministically.
    const mergeA = record('e3-mergealice', ['e2-aliceside1', 'e2-bobside001'], 'alice', [], ['alice', 'bob']);
    const mergeB = record('e3-mergebob01', ['e2-bobside001', 'e2-aliceside1'], 'bob', [], ['alice', 'bob']);
    const orders = [
      [genesis, promote, left, right, mergeA, mergeB],
      [mergeB, right, mergeA, genesis, left, promote],
    ];
    const results = orders.map((o) => fold(o));
    expect(results.map((r) => r.current?.id)).toEqual(['e3-mergealice', 'e3-mergealice']);
    for (const r of results) {
      expect(r.needsMerge).toBe(false);
      // Neither removed member holds a share of the epoch everyone ends on.
      expect(Object.keys(r.current!.record!.shares)).toEqual([dev('alice'), dev('bob')]);
    }
  });

  it('a merge that still gives a share to someone removed is not usable', () => {
    const promote = record('e1-promotebob', ['e0-genesis01'], 'alice', [{ op: 'role', identity: id('bob'), role: 'admin' }], ['alice', 'bob', 'carol', 'dave']);
    const left = record('e2-aliceside1', ['e1-promotebob'], 'alice', [remove('carol')], ['alice', 'bob', 'dave']);
    const right = record('e2-bobside001', ['e1-promotebob'], 'bob', [remove('dave')], ['alice', 'bob', 'carol']);
    const sloppy = record('e3-sloppymerg', ['e2-aliceside1', 'e2-bobside001'], 'bob', [], ['alice', 'bob', 'carol']);
    expect(fold([genesis, promote, left, right, sloppy]).current).toBeNull();
  });

  it('concurrent rotations need no merge: the same one is chosen in any order', () => {
    const r1 = record('e1-rotatebob1', ['e0-genesis01'], 'bob', [], ['alice', 'bob', 'carol', 'dave']);
    const r2 = record('e1-rotatecaro', ['e0-genesis01'], 'carol', [], ['alice', 'bob', 'carol', 'dave']);
    expect(fold([genesis, r1, r2]).current?.id).toBe('e1-rotatebob1');
    expect(fold([r2, genesis, r1]).current?.id).toBe('e1-rotatebob1');
  });

  it('a removal wins over a concurrent add; an add after the removal re-admits', () => {
    const addErin = record('e1-adderin001', ['e0-genesis01'], 'bob', [add('erin')], ['alice', 'bob', 'carol', 'dave', 'erin']);
    const removeErinLater = record('e2-removeerin', ['e1-adderin001'], 'alice', [remove('erin')], ['alice', 'bob', 'carol', 'dave']);
    const concurrentAdd = record('e2-addagain01', ['e1-adderin001'], 'carol', [], ['alice', 'bob', 'carol', 'dave', 'erin']);
    const state = fold([genesis, addErin, removeErinLater, concurrentAdd]);
    expect(state.members.has(id('erin'))).toBe(false);
    // The rotation that still shares with Erin is not usable; the removal is.
    expect(state.current?.id).toBe('e2-removeerin');

    const readd = record('e3-readderin1', ['e2-removeerin'], 'dave', [add('erin')], ['alice', 'bob', 'carol', 'dave', 'erin']);
    const after = fold([genesis, addErin, removeErinLater, readd]);
    expect(after.members.has(id('erin'))).toBe(true);
    expect(after.removed.has(id('erin'))).toBe(false);
  });

  it('someone who left may be removed by any member, not before', () => {
    const bobRemovesDave = record('e1-bobremoves', ['e0-genesis01'], 'bob', [remove('dave')], ['alice', 'bob', 'carol']);
    expect(fold([genesis, bobRemovesDave]).members.has(id('dave'))).toBe(true);
    const leave: LeaveRecord = { type: 'leave', identity: id('dave'), epoch: 'e0-genesis01', by: dev('dave'), at: 2, c: 2, k: 0, sig: 'x' } as LeaveRecord;
    const state = fold([genesis, bobRemovesDave], { leaves: [leave] });
    expect(state.members.has(id('dave'))).toBe(false);
    expect(state.current?.id).toBe('e1-bobremoves');
  });

  it('keeps the earliest cutoff per client when two removals name the same person', () => {
    const promote = record('e1-promotebob', ['e0-genesis01'], 'alice', [{ op: 'role', identity: id('bob'), role: 'admin' }], ['alice', 'bob', 'carol', 'dave']);
    const a = record('e2-aliceside1', ['e1-promotebob'], 'alice', [remove('dave', { 7: 10, 8: 3 })], ['alice', 'bob', 'carol']);
    const b = record('e2-bobside001', ['e1-promotebob'], 'bob', [remove('dave', { 7: 12 })], ['alice', 'bob', 'carol']);
    expect(fold([genesis, promote, a, b]).removed.get(id('dave'))).toEqual({ 7: 10, 8: 0 });
  });

  it('a record written by a revoked device does not count, and a head that shares with one is not usable', () => {
    const rotate = record('e1-rotatebob1', ['e0-genesis01'], 'bob', [], ['alice', 'bob', 'carol', 'dave']);
    expect(fold([genesis, rotate], { revoked: (d) => d === dev('bob') }).epochs.has('e1-rotatebob1')).toBe(false);
    expect(fold([genesis, rotate], { revoked: (d) => d === dev('dave') }).current).toBeNull();
  });

  it('a revoked device’s record written before its revocation stands: whoever it added stays a member', () => {
    // Bob's laptop (one of Bob's devices) added Erin, then Bob revoked the laptop.
    identityOfDevice.set('laptop-device' as DeviceId, id('bob'));
    const viaLaptop = { ...record('e1-laptopadds', ['e0-genesis01'], 'bob', [add('erin')], ['alice', 'bob', 'carol', 'dave', 'erin']), by: 'laptop-device' as DeviceId };
    const revoked = (d: DeviceId) => d === 'laptop-device';
    const before = fold([genesis, viaLaptop], { revoked, writtenAfterRevocation: () => false });
    expect(before.members.has(id('erin'))).toBe(true);
    expect(before.current?.id).toBe('e1-laptopadds');
    const after = fold([genesis, viaLaptop], { revoked, writtenAfterRevocation: (r) => r.by === 'laptop-device' });
    expect(after.members.has(id('erin'))).toBe(false);
    // Without the cutoff check, every record of a revoked device is ignored.
    expect(fold([genesis, viaLaptop], { revoked }).epochs.has('e1-laptopadds')).toBe(false);
  });

  it('an implicit genesis (1:1 chats, older groups) makes its identities admins', () => {
    const state = foldMembership({
      conversation: 'c',
      records: [record('e1-blockbob01', ['g0'], 'alice', [remove('bob')], ['alice'])],
      implicit: [id('alice'), id('bob')],
      kind: 'direct',
      identityOf: (d) => identityOfDevice.get(d) ?? null,
      revoked: () => false,
      leaves: [],
      isGenesisOf: () => false,
    });
    expect([...state.members.keys()]).toEqual([id('alice')]);
    expect(state.current?.id).toBe('e1-blockbob01');
  });
});
