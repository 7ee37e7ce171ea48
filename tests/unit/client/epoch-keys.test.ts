/** File roots the EpochKeyring keeps beside its secrets (src/client/conversation/epoch-keys.ts). */
import { describe, expect, it } from 'vitest';
import { EpochKeyring } from '../../../src/client/conversation/epoch-keys.js';
import { toBase64Url } from '../../../src/core/bytes.js';
import { deriveFileRoot } from '../../../src/core/files/file-key.js';
import type { Topic } from '../../../src/core/ids.js';
import type { ConversationRecord } from '../../../src/store/types.js';

const secret = (fill: number): string => toBase64Url(new Uint8Array(32).fill(fill));
const root = (fill: number): string => toBase64Url(new Uint8Array(32).fill(fill));

const record: ConversationRecord = {
  id: 'c'.repeat(32) as Topic,
  secret: secret(2),
  title: 'Files',
  createdAt: 0,
  epochs: [
    { id: 'e1-abcdefgh', n: 1, secret: secret(1), since: 0, retiredAt: 10 },
    { id: 'e2-abcdefgh', n: 2, secret: secret(2), since: 10 },
  ],
  fileRoots: { 'e0-abcdefgh': root(9) },
};

describe('handed file roots in the keyring', () => {
  it('are kept for epochs it holds nothing of, and stored with the record', async () => {
    const keyring = new EpochKeyring(record);
    const kept = keyring.keepRoots({ 'e1-abcdefgh': root(7), 'e0-abcdefgh': root(8), 'e3-abcdefgh': root(5), 'e4-abcdefgh': root(6) });
    expect(kept.sort()).toEqual(['e3-abcdefgh', 'e4-abcdefgh']);
    // An epoch whose secret is here keeps the root its secret derives, not a handed one.
    expect(await keyring.fileRootOf('e1-abcdefgh')).toBe(await deriveFileRoot(new Uint8Array(32).fill(1)));
    // One kept before is not replaced.
    expect(await keyring.fileRootOf('e0-abcdefgh')).toBe(root(9));
    expect(await keyring.fileRootOf('e3-abcdefgh')).toBe(root(5));
    expect(keyring.recordFields().fileRoots).toEqual({ 'e0-abcdefgh': root(9), 'e3-abcdefgh': root(5), 'e4-abcdefgh': root(6) });
    expect(keyring.keepRoots({ 'e3-abcdefgh': root(4) })).toEqual([]);
  });
});
