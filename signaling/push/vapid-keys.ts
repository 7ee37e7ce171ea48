/**
 * The server's VAPID key pair (RFC 8292), made on first start and kept in
 * `<dataDir>/vapid.json` with mode 0600. Browsers bind every push subscription to the
 * public key they were given, so a new key would silently orphan every subscription:
 * hence an unreadable or malformed file stops the start-up instead of being replaced.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import webpush from 'web-push';
import { VapidKeyError } from '../errors.js';

export interface VapidKeys {
  /** Uncompressed P-256 public key (65 bytes), base64url: what `GET /api/push/vapid` returns. */
  readonly publicKey: string;
  /** P-256 private scalar (32 bytes), base64url. Never leaves the server. */
  readonly privateKey: string;
}

export const VAPID_FILE = 'vapid.json';

const B64URL = /^[A-Za-z0-9_-]+$/;

function decodedLength(text: unknown): number {
  return typeof text === 'string' && B64URL.test(text) ? Buffer.from(text, 'base64url').length : -1;
}

function parseKeys(text: string, file: string): VapidKeys {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new VapidKeyError(`${file} is not valid JSON`, { cause });
  }
  const { publicKey, privateKey } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (decodedLength(publicKey) !== 65 || decodedLength(privateKey) !== 32) {
    throw new VapidKeyError(`${file} must hold a 65-byte publicKey and a 32-byte privateKey, base64url`);
  }
  return { publicKey: publicKey as string, privateKey: privateKey as string };
}

/** Durably writes `text` to a fresh file with mode 0600. */
function writeSecretFile(file: string, text: string): void {
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Returns the stored key pair, creating it first if there is none. Creation writes a temp
 * file and hard-links it into place, which fails if another process won the race; the
 * loser then reads the winner's keys, so two starts never end up with two key pairs.
 */
export function loadOrCreateVapidKeys(dataDir: string): VapidKeys {
  const file = path.join(dataDir, VAPID_FILE);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new VapidKeyError(`cannot read ${file}`, { cause: err });
  }
  if (text === undefined) {
    const keys = webpush.generateVAPIDKeys();
    const tmp = path.join(dataDir, `.${VAPID_FILE}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      writeSecretFile(tmp, `${JSON.stringify({ publicKey: keys.publicKey, privateKey: keys.privateKey, createdAt: new Date().toISOString() }, null, 2)}\n`);
      try {
        linkSync(tmp, file);
        syncDir(dataDir);
        return { publicKey: keys.publicKey, privateKey: keys.privateKey };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new VapidKeyError(`cannot create ${file}`, { cause: err });
        text = readFileSync(file, 'utf8');
      }
    } finally {
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
    }
  }
  const keys = parseKeys(text, file);
  // The private key must stay private even if an operator copied the file with a umask.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return keys;
}

/** fsync the directory so the new name survives a crash, not just the file's bytes. */
function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
