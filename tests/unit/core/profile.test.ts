/**
 * What a display name and avatar may be (src/core/identity/profile.ts), and the self doc's
 * shared profile (SelfSession.profile): a malformed value there is ignored, never adopted.
 */
import { describe, expect, it } from 'vitest';
import { SelfSession } from '../../../src/client/self-session.js';
import { randomBytes } from '../../../src/core/bytes.js';
import { isProfile, profileProblem } from '../../../src/core/identity/profile.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { deriveConversationKeys, SECRET_BYTES } from '../../../src/core/keys.js';
import type { RoomSync } from '../../../src/net/room-sync.js';
import { MemoryDocStore } from '../../../src/store/memory.js';
import { testAccount, tick } from '../../helpers/signed-docs.js';

const AVATAR = 'data:image/webp;base64,AAAA';

describe('profile rules', () => {
  it('names are trimmed, non-empty and at most 64 characters; avatars are small image data: URLs', () => {
    expect(profileProblem('  Alice  ', undefined)).toBeNull();
    expect(profileProblem('   ', undefined)).toBe('name-empty');
    expect(profileProblem('A'.repeat(64), AVATAR)).toBeNull();
    expect(profileProblem('A'.repeat(65), undefined)).toBe('name-too-long');
    expect(profileProblem('Alice', 'data:text/html;base64,PHNjcmlwdD4=')).toBe('avatar-invalid');
    expect(profileProblem('Alice', 'https://example.com/me.png')).toBe('avatar-invalid');
    expect(profileProblem('Alice', `data:image/png;base64,${'A'.repeat(16_000)}`)).toBe('avatar-invalid');
    expect(isProfile('Alice', undefined)).toBe(true);
    expect(isProfile('', undefined)).toBe(false);
    expect(isProfile('Alice', 42)).toBe(false);
  });

  it('the self doc holds one shared profile; a malformed one reads as none', async () => {
    const account = await testAccount('Alice');
    const keys = await deriveConversationKeys(randomBytes(SECRET_BYTES));
    const self = new SelfSession(keys, account, new VerifyKeyCache(), tick);
    await self.open(new MemoryDocStore().open('self', self.synced.doc), () => ({}) as RoomSync);
    expect(self.profile()).toBeNull();
    await self.setProfile('Alice Liddell', AVATAR);
    expect(self.profile()).toEqual({ name: 'Alice Liddell', avatar: AVATAR });
    await self.setProfile('Alice', undefined);
    expect(self.profile()).toEqual({ name: 'Alice' });
    await self.setProfile('A'.repeat(65), undefined);
    expect(self.profile()).toBeNull();
    await self.destroy();
  });
});
