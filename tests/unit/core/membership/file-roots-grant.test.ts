/** File roots sealed to a joining device (src/core/membership/file-roots-grant.ts). */
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../../../src/core/bytes.js';
import type { DeviceId } from '../../../../src/core/ids.js';
import type { IdentityId } from '../../../../src/core/identity/keys.js';
import type { SignedRecord } from '../../../../src/core/identity/signed.js';
import type { Epoch } from '../../../../src/core/membership/fold.js';
import {
  isFileRootsRecord,
  MAX_GRANT_FILE_ROOTS,
  MAX_SEALED_FILE_ROOTS,
  openFileRoots,
  readsFilesOf,
  sealFileRoots,
} from '../../../../src/core/membership/file-roots-grant.js';
import type { EpochRecord } from '../../../../src/core/membership/records.js';
import { isJoinAnswer } from '../../../../src/core/membership/join-messages.js';
import { createDhKeyPair, openShare, sealShare, ShareError } from '../../../../src/core/membership/seal.js';

const device = 'device-one' as DeviceId;
const context = { conversation: 'c'.repeat(32), epoch: 'e5-abcdefgh', device };
const root = (fill: number): string => toBase64Url(new Uint8Array(32).fill(fill));

describe('file roots in a grant', () => {
  it('open for the device and context they were sealed to, and only there', async () => {
    const joiner = await createDhKeyPair();
    const other = await createDhKeyPair();
    const roots = { 'e3-abcdefgh': root(3), 'e4-abcdefgh': root(4) };
    const sealed = await sealFileRoots(joiner.public, roots, context);
    expect(await openFileRoots(joiner.private, sealed, context)).toEqual(roots);
    await expect(openFileRoots(other.private, sealed, context)).rejects.toThrow(ShareError);
    await expect(openFileRoots(joiner.private, sealed, { ...context, epoch: 'e6-abcdefgh' })).rejects.toThrow(ShareError);
    await expect(openFileRoots(joiner.private, sealed, { ...context, device: 'device-two' as DeviceId })).rejects.toThrow(ShareError);
    // Nor does it pass for the epoch's share, or a share for the roots.
    await expect(openShare(joiner.private, sealed, context)).rejects.toThrow(ShareError);
  });

  it('refuse a malformed map, and never carry the granted epoch itself', async () => {
    const joiner = await createDhKeyPair();
    const seal = (value: unknown): Promise<string> => sealShare(joiner.public, new TextEncoder().encode(JSON.stringify(value)), { ...context, epoch: `file-roots ${context.epoch}` });
    for (const bad of [[root(1)], { 'not-an-epoch': root(1) }, { 'e3-abcdefgh': 'short' }, { [context.epoch]: root(1) }, 'text']) {
      await expect(openFileRoots(joiner.private, await seal(bad), context), JSON.stringify(bad)).rejects.toThrow(ShareError);
    }
    const many = Object.fromEntries(Array.from({ length: MAX_GRANT_FILE_ROOTS + 1 }, (_, i) => [`e${i + 1}-abcdefgh`, root(i & 0xff)]));
    await expect(sealFileRoots(joiner.public, many, context)).rejects.toThrow(RangeError);
  });

  it('fit a join answer at the cap, with the longest epoch ids', async () => {
    const joiner = await createDhKeyPair();
    const longest = Object.fromEntries(Array.from({ length: MAX_GRANT_FILE_ROOTS }, (_, i) => [`e${String(100_000_000 + i)}-${'x'.repeat(32)}`, root(i & 0xff)]));
    const files = await sealFileRoots(joiner.public, longest, context);
    expect(files.length).toBeLessThanOrEqual(MAX_SEALED_FILE_ROOTS);
    const answer = { t: 'join-answer', to: device, status: 'granted', conversation: 'c'.repeat(32), title: 'G', epoch: context.epoch, n: 5, share: 'x'.repeat(130), files };
    expect(isJoinAnswer(answer, device)).toBe(true);
    expect(isJoinAnswer({ ...answer, files: 'x'.repeat(MAX_SEALED_FILE_ROOTS + 1) }, device)).toBe(false);
    expect(isJoinAnswer({ ...answer, files: 7 }, device)).toBe(false);
  });
});

describe('which file roots a device may be handed', () => {
  const bob = 'bob-identity' as IdentityId;
  const carol = 'carol-identity' as IdentityId;
  const epoch = (id: string, owners: Record<string, IdentityId> | null): Epoch => ({ id, n: 1, parents: [], ops: [], writer: null, record: owners ? ({ owners } as unknown as EpochRecord) : null });
  const held = epoch('e2-abcdefgh', { 'bob-phone': bob, 'carol-phone': carol });
  const before = epoch('e1-abcdefgh', { 'carol-phone': carol });
  const genesis = epoch('g0', null);

  it('every epoch’s in a full-history group, even one this person never held', () => {
    const reader = { identity: bob, history: 'full' as const, joinedAt: 5 };
    for (const e of [held, before, genesis, undefined]) expect(readsFilesOf(e, reader)).toBe(true);
  });

  it('in a from-join group, only epochs this person held a share of', () => {
    const reader = { identity: bob, history: 'join' as const, joinedAt: 5 };
    expect(readsFilesOf(held, reader)).toBe(true);
    expect(readsFilesOf(before, reader)).toBe(false);
    expect(readsFilesOf(undefined, reader)).toBe(false);
    // The implicit genesis belongs to those who were in from the start, not to a joiner.
    expect(readsFilesOf(genesis, reader)).toBe(false);
    expect(readsFilesOf(genesis, { ...reader, joinedAt: null })).toBe(true);
  });
});

describe('a file-roots record in the self doc', () => {
  const record = (fields: Record<string, unknown>): SignedRecord =>
    ({ type: 'file-roots', by: 'dev', at: 1, c: 1, k: 0, n: 'x', sig: 's', conversation: 'c'.repeat(32), epoch: 'e5-abcdefgh', epochs: ['e3-abcdefgh'], files: 'x'.repeat(100), ...fields }) as unknown as SignedRecord;

  it('passes with its fields in shape and size', () => {
    expect(isFileRootsRecord(record({}))).toBe(true);
    expect(isFileRootsRecord(record({ files: 'x'.repeat(MAX_SEALED_FILE_ROOTS) }))).toBe(true);
  });

  it('is refused oversized or malformed before anything opens it', () => {
    for (const bad of [
      { files: 'x'.repeat(MAX_SEALED_FILE_ROOTS + 1) },
      { files: 3 },
      { epochs: Array.from({ length: MAX_GRANT_FILE_ROOTS + 1 }, (_, i) => `e${i + 1}-abcdefgh`) },
      { epochs: ['not an epoch'] },
      { epochs: ['e5-abcdefgh'] },
      { epochs: 'e3-abcdefgh' },
      { epoch: 'nope' },
      { conversation: 'short' },
      { type: 'handoff' },
    ]) {
      expect(isFileRootsRecord(record(bad)), JSON.stringify(bad).slice(0, 60)).toBe(false);
    }
  });
});
