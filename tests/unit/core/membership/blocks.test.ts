/**
 * The fold's block rule (docs/architecture.md §4.4): in a 1:1, once Alice's `blocked` record
 * withholds Bob, no record that seals Bob a share or that Bob wrote counts until Alice
 * unblocks him — whatever Bob's (modified) client writes and in whichever order the records
 * arrive. Pure logic: records are plain objects (fakes for signatures and shares).
 */
import { describe, expect, it } from 'vitest';
import type { FoldInput } from '../../../../src/core/membership/fold.js';
import { liftedBlocks, type BlockDecision } from '../../../../src/core/membership/blocks.js';
import type { EpochRecord } from '../../../../src/core/membership/records.js';
import { add, dev, fold as foldGroup, id, record } from '../../../helpers/epoch-records.js';

/** A 1:1 of Alice and Bob: an implicit genesis `g0` that makes both admins. */
const direct: Partial<FoldInput> = { implicit: [id('alice'), id('bob')], isGenesisOf: () => false, kind: 'direct' };
const fold = (records: EpochRecord[]) => foldGroup(records, direct);
/** Arrival orders to try: as given, reversed, and the second record first. */
const orders = (records: EpochRecord[]): EpochRecord[][] => [records, [...records].reverse(), [records[1]!, ...records.filter((_, i) => i !== 1)]];

const block = record('e1-aliceblocks', ['g0'], 'alice', [], ['alice'], 'blocked');

describe('membership fold: a block in a 1:1', () => {
  it('ignores a device-revoked epoch the blocked person writes under the block, in any arrival order', () => {
    const revoked = record('e2-bobrevokes1', ['e1-aliceblocks'], 'bob', [], ['alice', 'bob'], 'device-revoked');
    for (const order of orders([block, revoked])) {
      const state = fold(order);
      expect(state.current?.id).toBe('e1-aliceblocks');
      expect(state.epochs.has('e2-bobrevokes1')).toBe(false);
      expect(state.heads.map((h) => h.id)).toEqual(['e1-aliceblocks']);
      expect(state.needsMerge).toBe(false);
      expect([...(state.blocked.get(id('bob')) ?? [])]).toEqual([id('alice')]);
      // Still a member: nothing tells Bob.
      expect(state.members.has(id('bob'))).toBe(true);
    }
    // Without the block the same rotation is the current epoch (the rule is what stops it).
    const unblockedRotation = record('e2-bobrevokes1', ['e1-alicerotate'], 'bob', [], ['alice', 'bob'], 'device-revoked');
    expect(fold([record('e1-alicerotate', ['g0'], 'alice', [], ['alice', 'bob'], 'weekly'), unblockedRotation]).current?.id).toBe('e2-bobrevokes1');
  });

  it('ignores a sibling of the blocked epoch that seals the blocked person in, whether it arrives before or after the block', () => {
    // A lower id at the same depth, and a chain one deeper: the choice of head would take either.
    const sibling = record('e1-aaaabobside', ['g0'], 'bob', [], ['alice', 'bob'], 'weekly');
    const deeper = record('e2-bobdeeper01', ['e1-aaaabobside'], 'bob', [], ['alice', 'bob'], 'weekly');
    // Before the block arrives, Bob's sibling is current; once it does, it is ignored.
    expect(fold([sibling, deeper]).current?.id).toBe('e2-bobdeeper01');
    for (const order of orders([block, sibling, deeper])) {
      const state = fold(order);
      expect(state.current?.id).toBe('e1-aliceblocks');
      expect(state.epochs.has('e1-aaaabobside')).toBe(false);
      expect(state.epochs.has('e2-bobdeeper01')).toBe(false);
      expect(state.needsMerge).toBe(false);
    }
    // Alice's other device, not yet told of the block, rotating weekly with Bob in: ignored too.
    const unaware = record('e1-alicelaptop', ['g0'], 'alice', [], ['alice', 'bob'], 'weekly');
    for (const order of orders([block, unaware])) expect(fold(order).current?.id).toBe('e1-aliceblocks');
  });

  it("ignores whatever the blocked person writes, even sealed only to the blocker: its writer knows the secret", () => {
    const reissued = record('e2-bobreissue1', ['e1-aliceblocks'], 'bob', [], ['alice'], 'weekly');
    const puppet = record('e1-bobaddserin', ['g0'], 'bob', [add('erin')], ['alice', 'erin'], 'add');
    const fromPuppet = record('e2-erinrotates', ['e1-bobaddserin'], 'erin', [add('dave')], ['alice', 'erin', 'dave'], 'add');
    for (const order of orders([block, reissued, puppet, fromPuppet])) {
      const state = fold(order);
      expect(state.current?.id).toBe('e1-aliceblocks');
      expect([...state.members.keys()].sort()).toEqual([id('alice'), id('bob')].sort());
      expect(state.needsMerge).toBe(false);
    }
  });

  it('an unblock by the blocker seals them back in, and a new epoch after it counts', () => {
    const hostile = record('e2-bobrevokes1', ['e1-aliceblocks'], 'bob', [], ['alice', 'bob'], 'device-revoked');
    const unblock = record('e2-zaliceunblk', ['e1-aliceblocks'], 'alice', [], ['alice', 'bob'], 'unblocked');
    // Until the unblock, what Bob wrote under the block does not count.
    expect(fold([block, hostile]).current?.id).toBe('e1-aliceblocks');
    const state = fold([block, unblock]);
    expect(state.current?.id).toBe('e2-zaliceunblk');
    expect(state.blocked.size).toBe(0);
    const weekly = record('e3-bobweekly01', ['e2-zaliceunblk'], 'bob', [], ['alice', 'bob'], 'weekly');
    for (const order of orders([block, unblock, weekly])) expect(fold(order).current?.id).toBe('e3-bobweekly01');
    // What the blocked person wrote under the block stays ignored after the unblock: the
    // blocker's unblock is where everyone goes, in any order, and Bob starts again from it.
    for (const order of orders([block, hostile, unblock])) {
      const after = fold(order);
      expect(after.current?.id).toBe('e2-zaliceunblk');
      expect(after.epochs.has('e2-bobrevokes1')).toBe(false);
    }
    const bobAfter = record('e3-bobrotates1', ['e2-zaliceunblk'], 'bob', [], ['alice', 'bob'], 'device-revoked');
    expect(fold([block, hostile, unblock, bobAfter]).current?.id).toBe('e3-bobrotates1');
  });

  it('only the blocker unblocks, and only after the block', () => {
    const byBob = record('e2-bobunblocks', ['e1-aliceblocks'], 'bob', [], ['alice', 'bob'], 'unblocked');
    expect(fold([block, byBob]).current?.id).toBe('e1-aliceblocks');
    // An unblock that does not follow the block (a device that had not seen it) lifts nothing.
    const earlier = record('e1-zaliceunblk', ['g0'], 'alice', [], ['alice', 'bob'], 'unblocked');
    for (const order of orders([block, earlier])) expect(fold(order).current?.id).toBe('e1-aliceblocks');
    // Blocking again needs another unblock.
    const unblock = record('e2-aliceunblk1', ['e1-aliceblocks'], 'alice', [], ['alice', 'bob'], 'unblocked');
    const again = record('e3-aliceblocks', ['e2-aliceunblk1'], 'alice', [], ['alice'], 'blocked');
    const bobAfter = record('e4-bobrevokes1', ['e3-aliceblocks'], 'bob', [], ['alice', 'bob'], 'device-revoked');
    expect(fold([block, unblock, again, bobAfter]).current?.id).toBe('e3-aliceblocks');
  });

  it('an unblock a device wrote before the block reached it leaves the block unlifted; one on top lifts it, and two on top are harmless', () => {
    const unaware = record('e1-zalicelaptp', ['g0'], 'alice', [], ['alice', 'bob'], 'unblocked');
    for (const order of orders([block, unaware])) {
      const state = fold(order);
      expect(state.current?.id).toBe('e1-aliceblocks');
      expect(state.unlifted.map((b) => [b.epoch, b.by, b.withheld])).toEqual([['e1-aliceblocks', id('alice'), id('bob')]]);
    }
    // Alice's two devices both write the unblock on top at once: both descend from the block.
    const fromPhone = record('e2-alicephone1', ['e1-aliceblocks'], 'alice', [], ['alice', 'bob'], 'unblocked');
    const fromLaptop = record('e2-alicelaptp1', ['e1-aliceblocks'], 'alice', [], ['alice', 'bob'], 'unblocked');
    for (const order of orders([block, unaware, fromPhone, fromLaptop])) {
      const state = fold(order);
      expect(state.current?.id).toBe('e2-alicelaptp1');
      expect(state.heads.map((h) => h.id).sort()).toEqual(['e2-alicelaptp1', 'e2-alicephone1']);
      expect(state.needsMerge).toBe(false);
      expect(state.blocked.size).toBe(0);
      expect(state.unlifted).toEqual([]);
      expect(state.epochs.has('e1-zalicelaptp')).toBe(false);
    }
    // Nor is a block that the other person's own block keeps Alice's unblock out of unlifted:
    // she wrote one, and it counts once Bob unblocks (no second one is owed).
    const bobBlocks = record('e1-bobblocks01', ['g0'], 'bob', [], ['bob'], 'blocked');
    const aliceUnblocks = record('e2-aliceunblk1', ['e1-aliceblocks', 'e1-bobblocks01'], 'alice', [], ['alice', 'bob'], 'unblocked');
    expect(fold([block, bobBlocks, aliceUnblocks]).unlifted.map((b) => b.epoch)).toEqual(['e1-bobblocks01']);
  });

  it('a block is owed an unblock only when the user lifted the decision it came from, after it', () => {
    const at = (r: EpochRecord, when: number): EpochRecord => ({ ...r, at: when });
    const [open] = fold([at(block, 100)]).unlifted;
    const decided = (d: Partial<BlockDecision>): BlockDecision => ({ blocked: false, at: 150, replaced: [{ by: dev('alice'), at: 99, liftedAt: 150 }], ...d });
    const lifted = (d: BlockDecision | null, me = id('alice')) => liftedBlocks([open!], me, (who) => (who === id('bob') ? d : null)).length;
    // The laptop unblocked at 150, replacing the phone's decision at 99 that wrote the block at 100.
    expect(lifted(decided({}))).toBe(1);
    // Only the blocker's devices owe it.
    expect(lifted(decided({}), id('bob'))).toBe(0);
    // Still blocked, or no decision known.
    expect(lifted(decided({ blocked: true }))).toBe(0);
    expect(lifted(null)).toBe(0);
    // This device's copy of the decisions is behind the record: "accepted" from before the
    // block, which replaced no `blocked` decision, or an older one of the same device's.
    expect(lifted(decided({ at: 50, replaced: [] }))).toBe(0);
    expect(lifted(decided({ at: 150, replaced: [] }))).toBe(0);
    expect(lifted(decided({ at: 80, replaced: [{ by: dev('alice'), at: 40, liftedAt: 80 }] }))).toBe(0);
    // A `blocked` decision of another device, or one made after the block, is not its origin.
    expect(lifted(decided({ replaced: [{ by: dev('carol'), at: 99, liftedAt: 150 }] }))).toBe(0);
    expect(lifted(decided({ replaced: [{ by: dev('alice'), at: 120, liftedAt: 150 }] }))).toBe(0);
  });

  it('a newer block is not lifted by a contact edit on a device that missed the decision it came from', () => {
    // The phone blocked (decision at 99, block at 100), unblocked (200), blocked again
    // (decision at 300, block B2 at 301) and went offline. The laptop never received the
    // decision at 300; Alice marked Bob verified there at 500, rewriting him as "accepted".
    const [b2] = fold([{ ...block, at: 301 }]).unlifted;
    const lifted = (d: BlockDecision) => liftedBlocks([b2!], id('alice'), (who) => (who === id('bob') ? d : null)).length;
    const phone = dev('alice');
    // The laptop's copy: blocked at 99, accepted at 200 (the phone), accepted at 500 (the laptop).
    expect(lifted({ blocked: false, at: 500, replaced: [{ by: phone, at: 99, liftedAt: 200 }] })).toBe(0);
    // Had the laptop received the decision at 300, its "accepted" at 500 lifts B2.
    const both = [
      { by: phone, at: 99, liftedAt: 200 },
      { by: phone, at: 300, liftedAt: 500 },
    ];
    expect(lifted({ blocked: false, at: 500, replaced: both })).toBe(1);
    // The phone's own unblock at 200 still lifts its first block (at 100) on a device that missed it.
    const [b1] = fold([{ ...block, at: 100 }]).unlifted;
    expect(liftedBlocks([b1!], id('alice'), () => ({ blocked: false, at: 500, replaced: both }))).toHaveLength(1);
  });

  it('two people who block each other each keep their own epoch, and both unblocking meets again', () => {
    const bobBlocks = record('e1-bobblocks01', ['g0'], 'bob', [], ['bob'], 'blocked');
    const mutual = fold([block, bobBlocks]);
    expect(mutual.epochs.has('e1-bobblocks01')).toBe(true);
    expect(mutual.current?.id).toBe('e1-aliceblocks');
    expect(mutual.blocked.has(id('alice')) && mutual.blocked.has(id('bob'))).toBe(true);
    // Alice unblocks first: ignored while Bob still blocks her.
    const aliceUnblocks = record('e2-aliceunblk1', ['e1-aliceblocks', 'e1-bobblocks01'], 'alice', [], ['alice', 'bob'], 'unblocked');
    expect(fold([block, bobBlocks, aliceUnblocks]).epochs.has('e2-aliceunblk1')).toBe(false);
    const bobUnblocks = record('e2-bobunblock1', ['e1-aliceblocks', 'e1-bobblocks01'], 'bob', [], ['alice', 'bob'], 'unblocked');
    for (const order of orders([block, bobBlocks, aliceUnblocks, bobUnblocks])) {
      const state = fold(order);
      expect(state.current?.id).toBe('e2-aliceunblk1');
      expect(state.blocked.size).toBe(0);
    }
  });

  it('never moves back onto an epoch the blocked person holds when everything after it was shut out', () => {
    // Each of Alice's devices had followed one of Bob's rotations before blocking on top of it.
    const bobOne = record('e1-bobrotone1', ['g0'], 'bob', [], ['alice', 'bob'], 'weekly');
    const bobTwo = record('e1-bobrottwo1', ['g0'], 'bob', [], ['alice', 'bob'], 'weekly');
    const blockOne = record('e2-aliceblock1', ['e1-bobrotone1'], 'alice', [], ['alice'], 'blocked');
    const blockTwo = record('e2-aliceblock2', ['e1-bobrottwo1'], 'alice', [], ['alice'], 'blocked');
    const state = fold([bobOne, bobTwo, blockOne, blockTwo]);
    expect(state.heads.map((h) => h.id)).toEqual(['g0']);
    expect(state.current).toBeNull();
    expect(state.needsMerge).toBe(true);
    // Alice's merge, without Bob, is where everyone goes.
    const merge = record('e1-alicemerge1', ['g0'], 'alice', [], ['alice'], 'merge');
    expect(fold([bobOne, bobTwo, blockOne, blockTwo, merge]).current?.id).toBe('e1-alicemerge1');
  });

  it('in a group of exactly two a record written `blocked` is a plain rotation: only a 1:1’s block withholds', () => {
    // The same records as a 1:1's block, in a group of the two: nothing holds Bob out, so his
    // rotation on top of it, sealed to both, counts (the fold had counted any two members as a 1:1).
    const withholds = record('e1-aliceblocks', ['g0'], 'alice', [], ['alice'], 'blocked');
    const sealsBack = record('e2-bobweekly', ['e1-aliceblocks'], 'bob', [], ['alice', 'bob'], 'weekly');
    for (const records of orders([withholds, sealsBack])) {
      const state = foldGroup(records, { ...direct, kind: 'group' });
      expect(state.current?.id).toBe('e2-bobweekly');
      expect(state.blocked.size).toBe(0);
      expect(state.unlifted).toEqual([]);
    }
    // As a 1:1, Bob's record is shut out and Alice's block stands.
    expect(fold([withholds, sealsBack]).current?.id).toBe('e1-aliceblocks');
  });

  it('with three members a record written `blocked` is a plain rotation, in a group and even where the kind says direct', () => {
    const genesis = record('e0-genesis01', [], 'alice', [add('alice', 'admin'), add('bob'), add('carol')], ['alice', 'bob', 'carol']);
    const withholds = record('e1-aliceblocks', ['e0-genesis01'], 'alice', [], ['alice', 'carol'], 'blocked');
    const sealsBack = record('e2-carolweekly', ['e1-aliceblocks'], 'carol', [], ['alice', 'bob', 'carol'], 'weekly');
    // 'direct' with three members: the kind alone does not make a block, the two members do.
    for (const kind of ['group', 'direct'] as const) {
      const state = foldGroup([genesis, withholds, sealsBack], { kind });
      expect(state.current?.id).toBe('e2-carolweekly');
      expect(state.blocked.size).toBe(0);
    }
  });
});
