/** Invite links that carry the inviter's sealed name: read back, and altered secrets refused. */
import { describe, expect, it } from 'vitest';
import { randomBytes, toBase64Url } from '../../../src/core/bytes.js';
import { inviteUrl } from '../../../src/core/invite.js';
import { namedInviteUrl, readInvite } from '../../../src/core/invite-note.js';

const expires = Date.UTC(2030, 0, 1);

describe('invite links with the inviter’s name', () => {
  it('carry the name sealed in the fragment, and read it back with the secret', async () => {
    const secret = randomBytes(32);
    const link = await namedInviteUrl(inviteUrl('https://parley.example/', { secret, expires }), 'Zoë ✓');
    const url = new URL(link);
    expect(url.search).toBe('');
    // The name is sealed, neither plain nor percent-encoded. (Not "Zo" alone: two letters
    // turn up by chance in the random base64url about once in thirty links.)
    expect(link).not.toContain('Zoë');
    expect(link).not.toContain(encodeURIComponent('Zoë'));
    const read = await readInvite(link);
    expect(Array.from(read.invite.secret)).toEqual(Array.from(secret));
    expect(read.invite.expires).toBe(expires);
    expect(read.inviter).toBe('Zoë ✓');
    // Links without a name still work, with no inviter.
    expect((await readInvite(inviteUrl('https://parley.example/', { secret, expires }))).inviter).toBeNull();
  });

  it('refuses a link whose secret was changed, and a damaged name', async () => {
    const secret = randomBytes(32);
    const plain = inviteUrl('https://p.example/', { secret, expires });
    const link = await namedInviteUrl(plain, 'Alice');
    const other = randomBytes(32);
    const altered = link.replace(toBase64Url(secret), toBase64Url(other));
    await expect(readInvite(altered)).rejects.toMatchObject({ code: 'invite-wrong-secret' });
    await expect(readInvite(`${plain}&from=%%%`)).rejects.toMatchObject({ code: 'invite-damaged' });
    await expect(readInvite(`${plain}&from=${'A'.repeat(500)}`)).rejects.toMatchObject({ code: 'invite-damaged' });
  });
});
