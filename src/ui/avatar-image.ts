/**
 * Resizes a picture the user chose into a small square avatar, on the device: the original
 * never leaves it, and the result (a data: URL of at most ~12 KB) fits in a signed member
 * record that travels inside encrypted conversations.
 */
const SIZE = 96;
const MAX_CHARS = 15_000;

export type AvatarErrorCode = 'avatar-not-image' | 'avatar-unreadable' | 'avatar-no-canvas' | 'avatar-too-detailed';

/** Why a picture could not become an avatar; `error-text.ts` words the code. */
export class AvatarError extends Error {
  override readonly name = 'AvatarError';
  constructor(readonly code: AvatarErrorCode, options?: ErrorOptions) {
    super(code, options);
  }
}

export async function resizeAvatar(file: Blob): Promise<string> {
  if (!file.type.startsWith('image/')) throw new AvatarError('avatar-not-image');
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch (cause) {
    throw new AvatarError('avatar-unreadable', { cause });
  }
  const canvas = document.createElement('canvas');
  canvas.width = SIZE;
  canvas.height = SIZE;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new AvatarError('avatar-no-canvas');
  // Centre crop to a square, then scale.
  const side = Math.min(bitmap.width, bitmap.height);
  ctx.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, SIZE, SIZE);
  bitmap.close();
  for (const quality of [0.85, 0.7, 0.5, 0.3]) {
    const url = canvas.toDataURL('image/webp', quality);
    const fitted = url.startsWith('data:image/webp') ? url : canvas.toDataURL('image/jpeg', quality);
    if (fitted.length <= MAX_CHARS) return fitted;
  }
  throw new AvatarError('avatar-too-detailed');
}
