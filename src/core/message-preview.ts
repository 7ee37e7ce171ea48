/**
 * A message said in one line, where it cannot be shown (the conversation list, a
 * notification). A file message's text is its caption, often empty, so it is said by its
 * kind ("📷 Photo", "🎤 Voice message", "📎 notes.pdf") or by the kind and the caption: the
 * list never says "No messages yet" under a photo, nor a notification nothing at all.
 * Pure, so the page and the service worker say it alike.
 */
import { mediaKind, type FileRef } from './files/file-ref.js';

/** What stands for a file message's kind, before its caption or instead of it. */
const FILE_WORDS = {
  voice: ['🎤', 'Voice message'],
  image: ['📷', 'Photo'],
  video: ['🎬', 'Video'],
} as const;

export interface PreviewedMessage {
  readonly text: string;
  readonly file?: Pick<FileRef, 'name' | 'type' | 'voice'>;
}

/** The message in at most `max` characters. */
export function messagePreview(message: PreviewedMessage, max: number): string {
  const file = message.file;
  if (!file) return message.text.slice(0, max);
  const kind = file.voice ? 'voice' : mediaKind(file.type);
  const [icon, word] = kind === 'voice' || kind === 'image' || kind === 'video' ? FILE_WORDS[kind] : ['📎', file.name];
  return `${icon} ${message.text || word}`.slice(0, max);
}
