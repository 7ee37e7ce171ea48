/**
 * The server's refusal texts that apps show to people: one storage-full error for entries and
 * files alike, and sizes in the units people read.
 */
import { describe, expect, it } from 'vitest';
import { sizeText, StorageFullError } from '../../../signaling/errors.js';

describe('sizeText', () => {
  it('says bytes, KiB or MiB, rounded to a tenth', () => {
    expect(sizeText(10)).toBe('10 bytes');
    expect(sizeText(1024)).toBe('1 KiB');
    expect(sizeText(64 * 1024)).toBe('64 KiB');
    expect(sizeText(2 * 1024 * 1024 + 256 * 1024)).toBe('2.3 MiB');
    expect(sizeText(256 * 1024 * 1024)).toBe('256 MiB');
  });
});

describe('StorageFullError', () => {
  it('names what found no room, and says the same for a full cap and a full disk', () => {
    const cause = new Error('SQLITE_FULL');
    const disk = new StorageFullError('files', 'disk', { cause });
    expect(disk).toMatchObject({ code: 'storage-full', area: 'files', reason: 'disk', cause });
    expect(disk.message).toBe(new StorageFullError('files', 'cap').message);
    expect(disk.message).toBe('the server has no room for more files in mailboxes now');
    expect(new StorageFullError('entries', 'cap').message).toBe('the server has no room for more mailbox entries now');
  });
});
