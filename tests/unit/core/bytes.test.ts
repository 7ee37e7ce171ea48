import { describe, expect, it } from 'vitest';
import { equalBytes, fromBase64Url, fromHex, fromUtf8, toBase64Url, toHex, utf8 } from '../../../src/core/bytes.js';

describe('bytes', () => {
  it('round-trips base64url for every length mod 3, matching Node', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const text = toBase64Url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(equalBytes(fromBase64Url(text)!, bytes)).toBe(true);
    }
  });

  it('rejects base64url outside the alphabet or with an impossible length', () => {
    expect(fromBase64Url('ab+c')).toBeNull();
    expect(fromBase64Url('abc=')).toBeNull();
    expect(fromBase64Url('a')).toBeNull();
    expect(fromBase64Url('é')).toBeNull();
  });

  it('round-trips hex and rejects junk', () => {
    expect(toHex(Uint8Array.of(0, 15, 255))).toBe('000fff');
    expect(Array.from(fromHex('000fFF')!)).toEqual([0, 15, 255]);
    expect(fromHex('abc')).toBeNull();
    expect(fromHex('zz')).toBeNull();
  });

  it('decodes UTF-8 strictly', () => {
    expect(fromUtf8(utf8('héllo ✓'))).toBe('héllo ✓');
    expect(() => fromUtf8(Uint8Array.of(0xff, 0xfe))).toThrow();
  });
});
