/**
 * A group's id commits to its creator (docs/architecture.md §4.1): the first 128 bits of
 * SHA-256 over the creator's identity and a random nonce that the genesis record carries.
 * Only a device of that identity can write a genesis every peer accepts, so a member cannot
 * rewrite the group's beginning. Hex, like topics, so routes and stores treat both alike.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes, toBase64Url, toHex, utf8 } from '../bytes.js';
import type { Topic } from '../ids.js';
import type { IdentityId } from '../identity/keys.js';

export function conversationIdOf(creator: IdentityId, nonce: string): Topic {
  return toHex(sha256(utf8(`parley conversation\n${creator}\n${nonce}`)).slice(0, 16)) as Topic;
}

export const newNonce = (): string => toBase64Url(randomBytes(18));
