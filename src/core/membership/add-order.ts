/**
 * Who adds a joiner (docs/architecture.md §4.5). Every member device listening on an invite
 * hears the same join request, and any member may add. Two adding at once make sibling
 * epochs that everyone must then merge: a second rekey, and a joiner who may wait on the
 * losing one (§4.3). A random pause of up to 250 ms was too short on a loaded machine (the
 * add record had not reached the others yet), so the devices present take turns instead.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { DeviceId } from '../ids.js';

/** How long each device further down the order waits, after the one before it, to add. */
export const ADD_TURN_MS = 2_000;

/**
 * This device's place among the devices present (itself included) for adding `joiner`: 0
 * adds at once, 1 only when no add has reached it one turn later, and so on. The order is
 * drawn afresh per joiner (a hash of joiner and device), so no one device does every add,
 * and it is the same on every device that sees the same devices present.
 */
export function addTurn(me: DeviceId, present: Iterable<DeviceId>, joiner: DeviceId): number {
  const key = (device: DeviceId): string => bytesToHex(sha256(utf8ToBytes(`${joiner}|${device}`)));
  const mine = key(me);
  let before = 0;
  for (const device of new Set(present)) if (device !== me && key(device) < mine) before++;
  return before;
}
