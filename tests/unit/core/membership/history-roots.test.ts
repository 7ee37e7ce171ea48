/** File roots sealed under an epoch secret when a group switches to full history (src/core/membership/history-roots.ts). */
import { describe, expect, it } from 'vitest';
import { toBase64Url, utf8 } from '../../../../src/core/bytes.js';
import type { SignedRecord } from '../../../../src/core/identity/signed.js';
import { MAX_SEALED_FILE_ROOTS } from '../../../../src/core/membership/file-roots-grant.js';
import { isHistoryRootsRecord, openHistoryRoots, sealHistoryRoots } from '../../../../src/core/membership/history-roots.js';
import { ShareError } from '../../../../src/core/membership/seal.js';
import { seal } from '../../../../src/core/sealed.js';
import { deriveChannel } from '../../../../src/core/keys.js';

const secret = (fill: number): Uint8Array => new Uint8Array(32).fill(fill);
const root = (fill: number): string => toBase64Url(new Uint8Array(32).fill(fill));
const context = { conversation: 'c'.repeat(32), epoch: 'e5-abcdefgh' };

describe('history roots', () => {
  it('open with the secret and context they were sealed under, and nowhere else', async () => {
    const roots = { 'e3-abcdefgh': root(3), g0: root(0) };
    const sealed = await sealHistoryRoots(secret(1), roots, context);
    expect(await openHistoryRoots(secret(1), sealed, context)).toEqual(roots);
    await expect(openHistoryRoots(secret(2), sealed, context)).rejects.toThrow(ShareError);
    await expect(openHistoryRoots(secret(1), sealed, { ...context, epoch: 'e6-abcdefgh' })).rejects.toThrow(ShareError);
    await expect(openHistoryRoots(secret(1), sealed, { ...context, conversation: 'd'.repeat(32) })).rejects.toThrow(ShareError);
    await expect(openHistoryRoots(secret(1), '***', context)).rejects.toThrow(ShareError);
  });

  it('refuse a malformed map sealed with the right key, and the epoch that seals them', async () => {
    const key = (await deriveChannel(secret(1), 'history file roots')).key;
    const aad = utf8(`parley history roots\n${context.conversation}\n${context.epoch}`);
    for (const bad of [[root(1)], { 'not-an-epoch': root(1) }, { 'e3-abcdefgh': 'short' }, { [context.epoch]: root(1) }]) {
      const sealed = toBase64Url(await seal(key, utf8(JSON.stringify(bad)), aad));
      await expect(openHistoryRoots(secret(1), sealed, context), JSON.stringify(bad)).rejects.toThrow(ShareError);
    }
  });

  it('records are refused out of shape or size before anything opens them', () => {
    const record = (fields: Record<string, unknown>): SignedRecord => ({ type: 'history-roots', by: 'd', at: 1, c: 1, k: 0, n: 'x', sig: 's', epoch: 'e5-abcdefgh', files: 'x'.repeat(10), ...fields }) as unknown as SignedRecord;
    expect(isHistoryRootsRecord(record({}))).toBe(true);
    for (const bad of [{ files: 'x'.repeat(MAX_SEALED_FILE_ROOTS + 1) }, { files: 1 }, { epoch: 'nope' }, { type: 'file-roots' }]) expect(isHistoryRootsRecord(record(bad))).toBe(false);
  });
});
