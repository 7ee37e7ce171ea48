/**
 * This device's account: who the user is and the keys it acts with. Private keys are
 * non-extractable CryptoKeys; IndexedDB stores them as opaque handles.
 */
import type { DeviceCertificate } from './certificate.js';
import type { DeviceKeys, PublicIdentity } from './keys.js';

export interface Account {
  readonly name: string;
  /** Small data: URL, resized on the device. */
  readonly avatar?: string;
  readonly createdAt: number;
  readonly identity: PublicIdentity;
  /** The identity's private keys: only on the device that created the identity. */
  readonly identityKeys: { readonly signPrivate: CryptoKey; readonly dhPrivate: CryptoKey } | null;
  readonly device: DeviceKeys;
  readonly cert: DeviceCertificate;
  /** base64url secret of the private self doc shared by this user's devices. */
  readonly selfSecret: string;
  /** base64url secret behind this user's contact link (their contact inbox). */
  readonly contactSecret: string;
  /** How this device appears in the user's device list, e.g. "Chrome on Linux". */
  readonly label?: string;
  /**
   * This account is a program (a bot, the command-line client): its member records say so
   * and apps show a "bot" badge. It grants nothing; a bot is a member like any other.
   */
  readonly bot?: boolean;
}
