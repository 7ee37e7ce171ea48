/**
 * This device's account: who the user is and the keys it acts with. Private keys are
 * non-extractable CryptoKeys; IndexedDB stores them as opaque handles.
 */
import type { DeviceCertificate } from './certificate.js';
import type { DeviceKeys, PublicIdentity } from './keys.js';

/** One of this device's X25519 keys, which epoch secrets are sealed to. */
export interface DeviceDhKey {
  /** Raw public key, base64url. */
  readonly public: string;
  /** Non-extractable. */
  readonly private: CryptoKey;
  /** When it was made, ms since epoch; keys are replaced weekly and deleted later. */
  readonly created: number;
}

export interface Account {
  /**
   * The display name. Name and avatar are the only fields that change after registration,
   * and they change in place (src/client/profile.ts), so every part holding the account
   * writes the new profile from then on.
   */
  name: string;
  /** Small data: URL, resized on the device. */
  avatar?: string;
  readonly createdAt: number;
  readonly identity: PublicIdentity;
  /** The identity's private keys: only on the device that created the identity. */
  readonly identityKeys: { readonly signPrivate: CryptoKey; readonly dhPrivate: CryptoKey } | null;
  readonly device: DeviceKeys;
  /**
   * This device's certificate. Replaced in place when renewed (docs/architecture.md §4.8),
   * like the name, so every part holding the account presents the current one.
   */
  cert: DeviceCertificate;
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
  /**
   * This device's X25519 keys, newest last (docs/architecture.md §4.2). The newest is
   * published in member records; older ones open shares sealed before a rotation until
   * they are deleted. Absent on accounts from before epochs, until the next start.
   */
  readonly dh?: readonly DeviceDhKey[];
  /**
   * Conversations the user deleted on this device (docs/architecture.md §4.9): the self doc
   * still lists them for the user's other devices, and this device does not take them back
   * from it. Changes in place, like the name.
   */
  deleted?: string[];
}

/** The X25519 key this device publishes now. */
export const currentDh = (account: Account): DeviceDhKey | null => account.dh?.at(-1) ?? null;
