/**
 * The browser's half of Web Push, written from the RFCs with node:crypto only, so the
 * server's use of `web-push` is checked by an independent implementation:
 * - a subscriber key pair (P-256 ECDH) and a 16-byte auth secret, as `pushManager.subscribe` makes;
 * - RFC 8291 + RFC 8188 (aes128gcm) decryption of a push message body;
 * - RFC 8292 VAPID: parse `Authorization: vapid t=<JWT>, k=<key>` and verify the ES256 JWT.
 */
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';

export interface SubscriberKeys {
  /** Holds the private key; `computeSecret` is what a browser does on receipt. */
  readonly ecdh: ECDH;
  /** Uncompressed public key (65 bytes). */
  readonly publicKey: Buffer;
  readonly authSecret: Buffer;
  /** `keys` of `PushSubscription.toJSON()`. */
  readonly json: { readonly p256dh: string; readonly auth: string };
}

export function createSubscriberKeys(): SubscriberKeys {
  const ecdh = createECDH('prime256v1');
  const publicKey = ecdh.generateKeys();
  const authSecret = randomBytes(16);
  return { ecdh, publicKey, authSecret, json: { p256dh: publicKey.toString('base64url'), auth: authSecret.toString('base64url') } };
}

const hkdf = (ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer => Buffer.from(hkdfSync('sha256', ikm, salt, info, length));

/** Decrypts an aes128gcm push body; returns the plaintext with the padding removed. Throws on any mismatch. */
export function decryptPushBody(body: Buffer, keys: SubscriberKeys): Buffer {
  // RFC 8188 §2.1 header: salt(16) | rs(uint32) | idlen(1) | keyid(idlen).
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const records = body.subarray(21 + idlen);
  if (idlen !== 65) throw new Error(`keyid must be the 65-byte sender key, got ${idlen}`);
  // RFC 8291 §3.3-3.4.
  const ecdhSecret = keys.ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0', 'latin1'), keys.publicKey, asPublic]);
  const ikm = hkdf(ecdhSecret, keys.authSecret, keyInfo, 32);
  const cek = hkdf(ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0', 'latin1'), 16);
  const nonce = hkdf(ikm, salt, Buffer.from('Content-Encoding: nonce\0', 'latin1'), 12);
  // RFC 8291 §4: a push message is a single record, so the sequence number XORed in is 0.
  if (records.length > rs) throw new Error('push body has more than one record');
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(records.subarray(records.length - 16));
  const padded = Buffer.concat([decipher.update(records.subarray(0, records.length - 16)), decipher.final()]);
  // RFC 8188 §2: plaintext, then a delimiter (2 for the last record), then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('last record lacks the 0x02 padding delimiter');
  return padded.subarray(0, end);
}

export interface VapidToken {
  readonly header: Record<string, unknown>;
  readonly claims: { readonly aud?: unknown; readonly exp?: unknown; readonly sub?: unknown };
  /** The `k=` key: the server's VAPID public key, base64url. */
  readonly key: string;
}

/** Parses `vapid t=<JWT>, k=<key>` and verifies the JWT's ES256 signature with `k`. Throws if it does not verify. */
export function verifyVapidAuthorization(authorization: string): VapidToken {
  const match = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$/.exec(authorization);
  if (!match) throw new Error('not a "vapid t=…, k=…" Authorization header');
  const [jwt, key] = [match[1]!, match[2]!];
  const [h, p, s] = jwt.split('.') as [string, string, string];
  const raw = Buffer.from(key, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('k is not an uncompressed P-256 key');
  const publicKey = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') },
    format: 'jwk',
  });
  // JWS ES256 signatures are raw r||s (IEEE P1363), not DER.
  const ok = verify('sha256', Buffer.from(`${h}.${p}`, 'ascii'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!ok) throw new Error('VAPID JWT signature does not verify');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as VapidToken['claims'],
    key,
  };
}
