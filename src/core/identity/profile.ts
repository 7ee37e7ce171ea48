/**
 * What a display name and an avatar may be, wherever they are written or read: member
 * records, the self doc's shared profile, registration and the profile change.
 */
import { MAX_NAME } from '../events.js';

/** Avatars are small data: URLs (the UI resizes to 96 px, at most ~15,000 characters). */
export const MAX_AVATAR_CHARS = 16_000;

export const isProfileName = (name: unknown): name is string => typeof name === 'string' && name.length > 0 && name.length <= MAX_NAME;

export const isAvatar = (avatar: unknown): avatar is string => typeof avatar === 'string' && avatar.length <= MAX_AVATAR_CHARS && avatar.startsWith('data:image/');

/** A stored or received profile: a valid name and, if any, a valid avatar. */
export function isProfile(name: unknown, avatar: unknown): boolean {
  return isProfileName(name) && (avatar === undefined || isAvatar(avatar));
}

export type ProfileProblem = 'name-empty' | 'name-too-long' | 'avatar-invalid';

/** Why a name (trimmed first) or avatar the user entered cannot be used, or null. */
export function profileProblem(name: string, avatar: string | undefined): ProfileProblem | null {
  const clean = name.trim();
  if (clean.length === 0) return 'name-empty';
  if (clean.length > MAX_NAME) return 'name-too-long';
  if (avatar !== undefined && !isAvatar(avatar)) return 'avatar-invalid';
  return null;
}
