/**
 * What a picked file is sent as (docs/architecture.md §14.4): its media type from its bytes
 * and a name the file message allows.
 */

/**
 * The media type the bytes say (file-type reads the first few KiB), else the one the system
 * declared: how a file shows is chosen from its content, not its extension. Loaded on the
 * first send, so start-up does not pay for its signature tables.
 */
export async function sniffType(blob: Blob): Promise<string> {
  try {
    const { fileTypeFromBuffer } = await import('file-type');
    const sniffed = await fileTypeFromBuffer(new Uint8Array(await blob.slice(0, 4100).arrayBuffer()));
    if (sniffed) return cleanType(sniffed.mime);
  } catch {
    // Unknown or unreadable head: fall back to what the system declared.
  }
  return cleanType(blob.type);
}

/** A media type as the sender's system declared it, or a neutral one when it is not valid. */
function cleanType(type: string): string {
  const t = type.toLowerCase().split(';')[0]!.trim();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$/.test(t) ? t : 'application/octet-stream';
}

/** A name as FileRef allows it: no control characters or separators, at most 255 units. */
export function cleanName(name: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').slice(0, 255);
  return clean.length > 0 ? clean : 'file';
}

