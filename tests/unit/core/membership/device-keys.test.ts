/**
 * `openWithDeviceKeys`: what is sealed to a device opens with whichever of its keys it was
 * sealed to (a rotation leaves older ones), newest tried first; other failures are not hidden.
 */
import { describe, expect, it } from 'vitest';
import { createDhKeyPair, openShare, openWithDeviceKeys, sealShare, ShareError } from '../../../../src/core/membership/seal.js';

const context = { conversation: 'c'.repeat(64), epoch: 'e1', device: 'd1' };

describe('openWithDeviceKeys', () => {
  it('opens with an older key after a rotation, and tries the newest first', async () => {
    const [old, newer] = [await createDhKeyPair(), await createDhKeyPair()];
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const share = await sealShare(old.public, secret, context);
    const tried: CryptoKey[] = [];
    const opened = await openWithDeviceKeys([old, newer], (key) => {
      tried.push(key);
      return openShare(key, share, context);
    });
    expect(opened).toEqual(secret);
    expect(tried).toEqual([newer.private, old.private]);
  });

  it('is null when no key opens it, and passes on any error but ShareError', async () => {
    const [mine, other] = [await createDhKeyPair(), await createDhKeyPair()];
    const share = await sealShare(other.public, new Uint8Array(32), context);
    expect(await openWithDeviceKeys([mine], (key) => openShare(key, share, context))).toBeNull();
    expect(await openWithDeviceKeys(undefined, () => Promise.reject(new ShareError('never called')))).toBeNull();
    await expect(openWithDeviceKeys([mine], () => Promise.reject(new TypeError('broken')))).rejects.toThrow('broken');
  });
});
