/**
 * The conversation list's preview of the newest message (src/client/conversation-list.ts):
 * a file message without a caption still says what it is.
 */
import { describe, expect, it } from 'vitest';
import type { FileRef } from '../../../src/core/files/file-ref.js';
import { previewText } from '../../../src/client/conversation-list.js';
import { timelineEntry } from '../ui/timeline-entry.js';

const file = (name: string, type: string, extra: Partial<FileRef> = {}): FileRef => ({ name, type, size: 10, sha256: 'h', chunk: 65536, root: 'r', ...extra });
const fileMessage = (ref: FileRef, text = '') => timelineEntry('m', 1, { text, file: ref });

describe('previewText', () => {
  it('shows a text as it is, cut to the list', () => {
    expect(previewText(timelineEntry('m', 1, { text: 'hello' }))).toBe('hello');
    expect(previewText(timelineEntry('m', 1, { text: 'x'.repeat(500) }))).toHaveLength(120);
  });

  it('names a file message by its kind, or by its caption', () => {
    expect(previewText(fileMessage(file('a.png', 'image/png')))).toBe('📷 Photo');
    expect(previewText(fileMessage(file('a.png', 'image/png'), 'at the beach'))).toBe('📷 at the beach');
    expect(previewText(fileMessage(file('Voice message.webm', 'audio/webm', { voice: true, ms: 4000 })))).toBe('🎤 Voice message');
    expect(previewText(fileMessage(file('clip.mp4', 'video/mp4')))).toBe('🎬 Video');
    expect(previewText(fileMessage(file('song.mp3', 'audio/mpeg')))).toBe('📎 song.mp3');
    expect(previewText(fileMessage(file('notes.pdf', 'application/pdf')))).toBe('📎 notes.pdf');
  });

  it('says a deleted message was deleted, file or not', () => {
    expect(previewText(timelineEntry('m', 1, { text: '', deleted: true }))).toBe('Message deleted');
  });
});
