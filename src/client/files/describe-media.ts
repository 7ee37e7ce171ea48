/**
 * What a file message says about an image or a video besides its bytes (docs/architecture.md
 * §14.4): its pixel size, and for an image a thumbhash, so the receiver shows the row at its
 * final size (a blurred placeholder, or the video player's box) before a byte arrives and the
 * list never jumps. Images use `createImageBitmap` and `OffscreenCanvas`, videos a `<video>`
 * element's metadata, where the platform has them; elsewhere (Node) there is nothing to say.
 */
import { rgbaToThumbHash } from 'thumbhash';
import { toBase64Url } from '../../core/bytes.js';
import { FileLimits, mediaKind, type FileRef } from '../../core/files/file-ref.js';

export type MediaInfo = Pick<FileRef, 'thumb' | 'w' | 'h' | 'ms'>;

/** Thumbhash encodes at most 100×100 pixels. */
const THUMB_SIDE = 100;
/** A video whose metadata has not loaded by then is sent without its size (the row shows 16:9). */
const VIDEO_METADATA_MS = 5_000;

const fits = (width: number, height: number): boolean => width >= 1 && height >= 1 && width <= FileLimits.maxDimension && height <= FileLimits.maxDimension;

export function describeMedia(file: Blob, type: string): Promise<MediaInfo | null> {
  const kind = mediaKind(type);
  return kind === 'image' ? describeImage(file) : kind === 'video' ? describeVideo(file) : Promise.resolve(null);
}

async function describeImage(file: Blob): Promise<MediaInfo | null> {
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') return null;
  const bitmap = await createImageBitmap(file);
  try {
    const { width, height } = bitmap;
    if (!fits(width, height)) return null;
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

/** A video's pixel size and duration, from its metadata; null for bytes the browser cannot read. */
async function describeVideo(file: Blob): Promise<MediaInfo | null> {
  if (typeof document === 'undefined') return null;
  const video = document.createElement('video');
  const url = URL.createObjectURL(file);
  try {
    video.preload = 'metadata';
    video.muted = true;
    const loaded = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), VIDEO_METADATA_MS);
      const done = (ok: boolean) => () => (clearTimeout(timer), resolve(ok));
      video.addEventListener('loadedmetadata', done(true), { once: true });
      video.addEventListener('error', done(false), { once: true });
      video.src = url;
    });
    const { videoWidth: width, videoHeight: height, duration } = video;
    if (!loaded || !fits(width, height)) return null;
    const ms = Math.round(duration * 1000);
    return { w: width, h: height, ...(Number.isSafeInteger(ms) && ms > 0 && ms <= FileLimits.maxDurationMs ? { ms } : {}) };
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}
