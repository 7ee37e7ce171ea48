/**
 * Who may change what (docs/architecture.md §4.2). Every peer applies these to every epoch
 * record against the membership at the record's parents; a record that breaks one is
 * ignored everywhere, so nobody gains a right by writing records.
 *
 * | Change                | Who                                                        |
 * |-----------------------|------------------------------------------------------------|
 * | add as member         | any member (approval mode is honoured by the answering side)|
 * | add as admin, promote | an admin                                                   |
 * | remove someone        | an admin; anyone when the removed person left (signed note)|
 * | demote                | an admin                                                   |
 * | rotate (no operation) | any member                                                 |
 * | group settings        | an admin (group records)                                   |
 * | revoke an invite      | its creator or an admin                                    |
 */
import type { IdentityId } from '../identity/keys.js';
import type { StateAt } from './fold.js';
import type { MembershipOp } from './records.js';

export function isAdmin(state: Pick<StateAt, 'members'>, identity: IdentityId | null): boolean {
  return identity !== null && state.members.get(identity) === 'admin';
}

/** Whether `writer` may make `op` in the state at the record's parents. */
export function opAllowed(op: MembershipOp, writer: IdentityId, state: StateAt): boolean {
  const admin = isAdmin(state, writer);
  switch (op.op) {
    case 'add':
      // Adding someone already in is pointless and would hide a role change.
      if (state.members.has(op.identity)) return false;
      return op.role === 'member' || admin;
    case 'remove':
      // Nobody removes themselves: the writer of a record knows its new secret.
      if (op.identity === writer || !state.members.has(op.identity)) return false;
      return admin || state.left.has(op.identity);
    case 'role':
      return admin && state.members.has(op.identity) && state.members.get(op.identity) !== op.role;
  }
}
