/**
 * Device registration: a device proves it holds an Ed25519 key by signing a fresh nonce,
 * and the server records the public key. The server stores nothing else about it: no
 * name, no identity link, no contacts.
 */
import { randomBytes, webcrypto } from 'node:crypto';
import { registrationText } from '../../src/core/wire/signaling.js';
import type { KeyedBuckets } from '../rate-limit.js';
import type { DeviceStore } from './device-store.js';

export interface Registrar {
  /**
   * Whether a socket from `address` may register now, spending one of the address's
   * registrations. A socket registers once, so this is what bounds a client that reconnects
   * to register again and again (each a signature check and a durable row).
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
 */
export function createRegistrar(devices: DeviceStore, perAddress: KeyedBuckets): Registrar {
  return {
    admit: (address) => perAddress.take(address),
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
