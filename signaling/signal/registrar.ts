/**
 * Device registration: a device proves it holds an Ed25519 key by signing a fresh nonce,
 * and the server records the public key. The server stores nothing else about it: no
 * name, no identity link, no contacts.
 */
import { randomBytes, webcrypto } from 'node:crypto';
import { registrationText } from '../../src/core/wire/signaling.js';
import { siteKey } from '../http/client-address.js';
import type { KeyedBuckets } from '../rate-limit.js';
import type { DeviceStore } from './device-store.js';

export interface Registrar {
  /**
   * Whether a socket from `address` (a limit key) may register now, spending one of the
   * address's registrations and, for an IPv6 /64, one of its /48's. A socket registers once,
   * so this is what bounds a client that reconnects to register again and again (each a
   * signature check and a durable row).
   */
  admit(address: string): boolean;
  /** A fresh single-use nonce for one socket. */
  challenge(): string;
  /** Verifies the signature and records the key; false when it does not verify. */
  register(nonce: string, key: string, sig: string, now: number): Promise<boolean>;
  /** Registered devices, for /metrics. */
  count(): Promise<number>;
}

/**
 * @param perAddress registrations per client address (`registerBurst`, `registersPerSecond`)
 * @param perSite registrations per IPv6 /48, all its /64s together (`ipv6SiteFactor` times those)
 */
export function createRegistrar(devices: DeviceStore, perAddress: KeyedBuckets, perSite: KeyedBuckets): Registrar {
  return {
    admit(address) {
      const site = siteKey(address);
      if (site === address) return perAddress.take(address);
      // Both checked before either is spent: a refusal by one must not drain the other.
      if (!perAddress.has(address) || !perSite.has(site)) return false;
      return perAddress.take(address) && perSite.take(site);
    },
    challenge: () => randomBytes(32).toString('base64url'),
    async register(nonce, key, sig, now) {
      try {
        const publicKey = await webcrypto.subtle.importKey('raw', Buffer.from(key, 'base64url'), { name: 'Ed25519' }, false, ['verify']);
        const ok = await webcrypto.subtle.verify('Ed25519', publicKey, Buffer.from(sig, 'base64url'), Buffer.from(registrationText(nonce, key), 'utf8'));
        if (!ok) return false;
      } catch {
        return false;
      }
      await devices.record(key, now);
      return true;
    },
    count: () => devices.count(),
  };
}
