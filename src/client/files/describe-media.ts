/**
 * What a file message says about an image besides its bytes (docs/architecture.md §14.4):
 * its pixel size and a thumbhash, so the receiver shows a blurred placeholder at the right
 * aspect ratio before a byte arrives and the list never jumps. Uses `createImageBitmap` and
 * `OffscreenCanvas` where the platform has them; elsewhere (Node) there is nothing to say.
 */
import { rgbaToThumbHash } from 'thumbhash';
import { toBase64Url } from '../../core/bytes.js';
import { FileLimits, type FileRef } from '../../core/files/file-ref.js';

export type MediaInfo = Pick<FileRef, 'thumb' | 'w' | 'h'>;

/** Thumbhash encodes at most 100×100 pixels. */
const THUMB_SIDE = 100;

export async function describeMedia(file: Blob): Promise<MediaInfo | null> {
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') return null;
  const bitmap = await createImageBitmap(file);
  try {
    const { width, height } = bitmap;
    if (width < 1 || height < 1 || width > FileLimits.maxDimension || height > FileLimits.maxDimension) return null;
    const scale = Math.min(1, THUMB_SIDE / Math.max(width, height));
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const canvas = new OffscreenCanvas(w, h);
    const context = canvas.getContext('2d');
    if (!context) return { w: width, h: height };
    context.drawImage(bitmap, 0, 0, w, h);
    const hash = rgbaToThumbHash(w, h, context.getImageData(0, 0, w, h).data);
    return { w: width, h: height, ...(hash.length <= FileLimits.maxThumbBytes ? { thumb: toBase64Url(hash) } : {}) };
  } finally {
    bitmap.close();
  }
}
