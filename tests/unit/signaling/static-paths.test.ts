/** Path decoding rules of the static file route (pure functions). */
import { describe, expect, it } from 'vitest';
import { mimeTypeFor, safeSegments } from '../../../signaling/http/static-files.js';

describe('safeSegments', () => {
  it.each([
    ['/', []],
    ['/index.html', ['index.html']],
    ['/assets/app-1.js', ['assets', 'app-1.js']],
    ['//assets//./app.js', ['assets', 'app.js']],
    ['/a%20b.txt', ['a b.txt']],
  ])('accepts %s', (raw, expected) => {
    expect(safeSegments(raw)).toEqual(expected);
  });

  it.each(['/..', '/../x', '/a/../../x', '/%2e%2e/x', '/a/..%2F..%2Fx', '/..%5cx', '/a\\..\\x', '/x%00.js', '/%zz'])('refuses %s', (raw) => {
    expect(safeSegments(raw)).toBeNull();
  });
});

describe('mimeTypeFor', () => {
  it('maps known extensions case-insensitively and defaults to octet-stream', () => {
    expect(mimeTypeFor('APP.JS')).toBe('text/javascript; charset=utf-8');
    expect(mimeTypeFor('manifest.webmanifest')).toBe('application/manifest+json');
    expect(mimeTypeFor('archive.tar')).toBe('application/octet-stream');
  });
});
