/**
 * What a picked file is sent as (docs/architecture.md §14.4): its media type from its bytes
 * and a name the file message allows; a recorded voice message's fields (§14.8).
 */
import { FileLimits, type FileRef } from '../../core/files/file-ref.js';

/** What a voice recording adds to its file message. */
export interface VoiceFields {
  /** Recorded length, ms. */
  readonly ms: number;
  /** Base64url levels 0–255 (at most 64), or none. */
  readonly wave?: string | undefined;
}

/** The file-message fields of a voice message, within the message's caps. */
export function voiceRef(voice: VoiceFields): Pick<FileRef, 'voice' | 'ms' | 'wave'> {
  const ms = Math.min(FileLimits.maxDurationMs, Math.max(0, Math.round(voice.ms)));
  return { voice: true, ms, ...(voice.wave ? { wave: voice.wave } : {}) };
}

/** A recording's media type: the audio type its recorder declared, else Opus in WebM. */
export function voiceType(blob: Blob): string {
  const type = cleanType(blob.type);
  return type.startsWith('audio/') ? type : 'audio/webm';
}

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

