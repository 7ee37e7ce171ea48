/** The service worker's file URLs and byte ranges (src/core/files/file-service.ts). */
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../../src/core/bytes.js';
import { fileServicePath, INLINE_TYPES, parseFileServicePath, parseRange } from '../../../src/core/files/file-service.js';

describe('file service paths and ranges', () => {
  it('round-trips a conversation and root through the path, and refuses anything else', () => {
    const root = toBase64Url(Uint8Array.from({ length: 32 }, (_, i) => i * 7));
    const conversation = 'ab'.repeat(16);
    const path = fileServicePath(conversation, root);
    expect(path).toMatch(/^\/files\/[0-9a-f]{32}\/[0-9a-f]{64}$/);
    expect(parseFileServicePath(path)).toEqual({ conversation, root });
    for (const bad of ['/files/', `/files/${conversation}/${'a'.repeat(63)}`, `/files/${conversation}/${'A'.repeat(64)}`, `/files/xyz/${'a'.repeat(64)}`, `/files/${conversation}/${'a'.repeat(64)}/x`, `/api/files/${conversation}/${'a'.repeat(64)}`]) {
      expect(parseFileServicePath(bad), bad).toBeNull();
    }
  });

  it('reads single byte ranges as RFC 9110 does, and ignores what it does not serve', () => {
    expect(parseRange(null, 100)).toBeNull();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=90-500', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=20-10', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    // Several ranges, other units, nonsense: the whole file (200), as the RFC allows.
    for (const ignored of ['bytes=0-1,5-6', 'items=0-1', 'bytes=-', 'bytes=a-b', '']) expect(parseRange(ignored, 100), ignored).toBeNull();
  });

  it('shows only images, video and audio inline; everything else is an attachment', () => {
    for (const t of ['image/png', 'image/jpeg', 'video/webm', 'video/mp4', 'audio/ogg', 'audio/webm']) expect(INLINE_TYPES.test(t), t).toBe(true);
    for (const t of ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'application/pdf', 'application/octet-stream', 'text/javascript']) expect(INLINE_TYPES.test(t), t).toBe(false);
  });
});
