/**
 * The unblock a device of the blocker owes on top of a block the user lifted elsewhere
 * (docs/architecture.md §4.4): written at most once per block, and not at all while the
 * blocked person has no device to seal to — such a record seals nobody back in, so it lifts
 * nothing and the block would stay owed on every run. Real signed document, membership view
 * and membership writer; the user's block decision is a plain value.
 */
import { describe, expect, it } from 'vitest';
import { EpochUpkeep } from '../../../src/client/conversation/epoch-upkeep.js';
import { Membership } from '../../../src/client/conversation/membership.js';
import { MembershipView } from '../../../src/client/conversation/membership-view.js';
import type { Topic } from '../../../src/core/ids.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { BlockDecision } from '../../../src/core/membership/blocks.js';
import { memberDoc, testAccount, tick } from '../../helpers/signed-docs.js';

describe('EpochUpkeep: an unblock owed for a block lifted elsewhere', () => {
  it('writes no unblock run after run when the blocked person has no device this device can seal to', async () => {
    const [alice, bob] = await Promise.all([testAccount('Alice'), testAccount('Bob')]);
    // Alice's document of their 1:1 never received a member record of Bob's device.
    const synced = await memberDoc(alice);
    const conversation = 'c'.repeat(32) as Topic;
    const view = new MembershipView({ conversation, synced, implicit: () => [alice.identity.sign, bob.identity.sign], kind: 'direct', isBlocked: () => false });
    let blocking = true;
    const changes = new Membership({ conversation, synced, view, account: alice, now: tick, withheld: (who) => blocking && who === bob.identity.sign });
    const block = await changes.rotate('blocked');
    expect(view.state.unlifted.map((b) => b.epoch)).toEqual([block.id]);
    // Another device of Alice's lifted the block before it had received it.
    blocking = false;
    const decision: BlockDecision = { blocked: false, at: block.at + 1_000, replaced: [{ by: alice.device.id, at: block.at - 1, liftedAt: block.at + 1_000 }] };
    const upkeep = new EpochUpkeep({
      account: alice,
      view,
      changes,
      now: tick,
      active: () => true,
      blockDecision: (who) => (who === bob.identity.sign ? decision : null),
      logger: silentLogger,
    });
    for (let run = 0; run < 4; run++) await upkeep.runNow();
    const unblocks = [...view.state.epochs.values()].filter((e) => e.record?.reason === 'unblocked');
    expect(unblocks.length).toBeLessThanOrEqual(1);
    expect(upkeep.due()).toBeNull();
    upkeep.destroy();
    view.destroy();
  });
});
