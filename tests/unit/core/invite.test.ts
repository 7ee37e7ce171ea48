import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../../src/core/bytes.js';
import { InvalidInviteError, inviteUrl, isInviteFragment, parseInvite } from '../../../src/core/invite.js';

describe('invite links', () => {
  it('keep the secret in the fragment only', () => {
    const secret = randomBytes(32);
    const link = inviteUrl('https://parley.example/app?x=1#old', secret);
    const url = new URL(link);
    expect(url.pathname + url.search).toBe('/app?x=1');
    expect(url.hash.startsWith('#join=')).toBe(true);
    expect(Array.from(parseInvite(link))).toEqual(Array.from(secret));
    expect(Array.from(parseInvite(url.hash))).toEqual(Array.from(secret));
    expect(isInviteFragment(url.hash)).toBe(true);
  });

  it('gives a clear error for text that is not an invite, or a damaged one', () => {
    expect(() => parseInvite('https://example.com/')).toThrow(InvalidInviteError);
    expect(() => parseInvite('https://example.com/#join=abc')).toThrow(/damaged/);
    expect(() => parseInvite('#join=' + 'A'.repeat(44))).toThrow(InvalidInviteError);
  });
});
