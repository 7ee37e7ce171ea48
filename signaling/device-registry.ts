/**
 * Device registration: a device proves it holds an Ed25519 key by signing a fresh nonce,
 * and the server records the public key. The server stores nothing else about it: no
 * name, no identity link, no contacts.
 */
import { randomBytes, webcrypto } from 'node:crypto';
import { registrationText } from '../src/core/wire/signaling.js';
import type { ServerDatabase } from './database.js';

export interface Registrar {
  /** A fresh single-use nonce for one socket. */
  challenge(): string;
  /** Verifies the signature and records the key; false when it does not verify. */
  register(nonce: string, key: string, sig: string, now: number): Promise<boolean>;
  /** Registered devices, for /metrics. */
  count(): number;
}

export function createRegistrar(db: ServerDatabase): Registrar {
  const upsert = db.prepare(
    'INSERT INTO devices (key, first_seen, last_seen) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET last_seen = excluded.last_seen',
  );
  const count = db.prepare('SELECT count(*) AS n FROM devices');
  return {
    challenge: () => randomBytes(32).toString('base64url'),
    async register(nonce, key, sig, now) {
      try {
        const publicKey = await webcrypto.subtle.importKey('raw', Buffer.from(key, 'base64url'), { name: 'Ed25519' }, false, ['verify']);
        const ok = await webcrypto.subtle.verify('Ed25519', publicKey, Buffer.from(sig, 'base64url'), Buffer.from(registrationText(nonce, key), 'utf8'));
        if (!ok) return false;
      } catch {
        return false;
      }
      upsert.run(key, now, now);
      return true;
    },
    count: () => (count.get() as { n: number }).n,
  };
}
