import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../../src/core/bytes.js';
import { InvalidInviteError, inviteUrl, isInviteFragment, parseInvite } from '../../../src/core/invite.js';

describe('invite links', () => {
  it('keep the secret and the expiry in the fragment only', () => {
    const secret = randomBytes(32);
    const expires = Date.UTC(2030, 0, 1);
    const link = inviteUrl('https://parley.example/app?x=1#old', { secret, expires });
    const url = new URL(link);
    expect(url.pathname + url.search).toBe('/app?x=1');
    expect(url.hash.startsWith('#join=')).toBe(true);
    for (const text of [link, url.hash]) {
      const parsed = parseInvite(text);
      expect(Array.from(parsed.secret)).toEqual(Array.from(secret));
      expect(parsed.expires).toBe(expires);
    }
    expect(isInviteFragment(url.hash)).toBe(true);
  });

  it('gives a clear error for text that is not an invite, or a damaged one', () => {
    expect(() => parseInvite('https://example.com/')).toThrow(InvalidInviteError);
    expect(() => parseInvite('https://example.com/#join=abc&x=1')).toThrow(/damaged/);
    expect(() => parseInvite('#join=' + 'A'.repeat(43))).toThrow(/damaged/);
    expect(() => parseInvite('#join=' + 'A'.repeat(44) + '&x=1')).toThrow(InvalidInviteError);
  });
});
