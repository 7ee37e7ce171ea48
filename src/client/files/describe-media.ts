/**
 * What a file message says about an image, a video or an audio file besides its bytes
 * (docs/architecture.md §14.4): its pixel size, for an image a thumbhash, for video and audio
 * the duration, so the receiver shows the row at its final size (a blurred placeholder, or the
 * video player's box) before a byte arrives and the list never jumps. Images use
 * `createImageBitmap` and `OffscreenCanvas`, video and audio a media element's metadata,
 * where the platform has them; elsewhere (Node) there is nothing to say.
 */
import { rgbaToThumbHash } from 'thumbhash';
import { toBase64Url } from '../../core/bytes.js';
import { FileLimits, mediaKind, type FileRef } from '../../core/files/file-ref.js';
import { finiteDuration } from './media-duration.js';

export type MediaInfo = Pick<FileRef, 'thumb' | 'w' | 'h' | 'ms'> & {
  /** A video container with no picture (an audio-only WebM sniffs as video): sent as audio. */
  readonly audioOnly?: true;
};

/** Thumbhash encodes at most 100×100 pixels. */
const THUMB_SIDE = 100;
/** A video or audio file whose metadata has not loaded by then is sent without its size and duration (a video's row shows 16:9). */
const MEDIA_METADATA_MS = 5_000;

const fits = (width: number, height: number): boolean => width >= 1 && height >= 1 && width <= FileLimits.maxDimension && height <= FileLimits.maxDimension;

export function describeMedia(file: Blob, type: string): Promise<MediaInfo | null> {
  const kind = mediaKind(type);
  return kind === 'image' ? describeImage(file) : kind === 'video' || kind === 'audio' ? describePlayable(file, kind) : Promise.resolve(null);
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

/**
 * A video's pixel size and duration, or an audio file's duration, from its metadata (a
 * recording's WebM, which states no duration, read to its end: `finiteDuration`); null for
 * bytes the browser cannot read. An audio-only WebM sniffs as video: it has no pixel size,
 * and is said to be audio (`audioOnly`), or the receiver shows a black 16:9 box.
 */
async function describePlayable(file: Blob, kind: 'video' | 'audio'): Promise<MediaInfo | null> {
  if (typeof document === 'undefined') return null;
  const media = document.createElement(kind);
  const url = URL.createObjectURL(file);
  try {
    media.preload = 'metadata';
    media.muted = true;
    const loaded = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), MEDIA_METADATA_MS);
      const done = (ok: boolean) => () => (clearTimeout(timer), resolve(ok));
      media.addEventListener('loadedmetadata', done(true), { once: true });
      media.addEventListener('error', done(false), { once: true });
      media.src = url;
    });
    if (!loaded) return null;
    const ms = await finiteDuration(media);
    const duration = ms !== null && ms <= FileLimits.maxDurationMs ? { ms } : {};
    const { videoWidth: width, videoHeight: height } = media instanceof HTMLVideoElement ? media : { videoWidth: 0, videoHeight: 0 };
    if (fits(width, height)) return { w: width, h: height, ...duration };
    if (kind === 'video' && width === 0 && height === 0) return { ...duration, audioOnly: true };
    return 'ms' in duration ? duration : null;
  } finally {
    media.removeAttribute('src');
    media.load();
    URL.revokeObjectURL(url);
  }
}
