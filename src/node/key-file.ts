/**
 * The profile's key file (`keys.json`, mode 0600): the private keys of a headless account.
 *
 * In the browser the account's private keys are non-extractable CryptoKeys that IndexedDB
 * keeps as opaque handles. Node has no such keystore, and a file cannot hold a CryptoKey, so
 * on Node the key material is written out (PKCS#8 for private keys) and imported again on
 * load with the same algorithm, usages and `extractable` flag. Node's `KeyObject.from` reads
 * the material of any CryptoKey, extractable or not: in a Node process non-extractability was
 * never a protection, the process owns its memory. What protects the keys is the file's
 * permissions (0600 in a 0700 directory), so whoever can read the profile directory can act
 * as the bot (docs/architecture.md §12).
 *
 * Values are walked generically: every CryptoKey anywhere in a stored value is replaced by
 * a reference `{ $key: ref }` (ref = hash of the material, so the same key is stored once),
 * which keeps the account's shape free to grow without this file changing.
 */
import { createHash, KeyObject, webcrypto } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';

const VERSION = 1;

interface StoredKey {
  readonly type: 'private' | 'public' | 'secret';
  readonly algorithm: KeyAlgorithm;
  readonly usages: KeyUsage[];
  readonly extractable: boolean;
  /** base64 of PKCS#8 (private), SPKI (public) or raw bytes (secret). */
  readonly data: string;
}

interface KeyFileBody {
  readonly v: number;
  readonly keys: Record<string, StoredKey>;
}

export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
  constructor(
    readonly code: 'key-file-unreadable' | 'key-missing',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const isCryptoKey = (x: unknown): x is CryptoKey => x instanceof globalThis.CryptoKey;
const isRef = (x: unknown): x is { $key: string } =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && Object.keys(x).length === 1 && typeof (x as { $key?: unknown }).$key === 'string';

function exportKey(key: CryptoKey): StoredKey {
  const object = KeyObject.from(key);
  const data =
    key.type === 'private'
      ? object.export({ type: 'pkcs8', format: 'der' })
      : key.type === 'public'
        ? object.export({ type: 'spki', format: 'der' })
        : object.export();
  return { type: key.type, algorithm: key.algorithm, usages: [...key.usages], extractable: key.extractable, data: data.toString('base64') };
}

function importKey(stored: StoredKey): Promise<CryptoKey> {
  const format = stored.type === 'private' ? 'pkcs8' : stored.type === 'public' ? 'spki' : 'raw';
  return webcrypto.subtle.importKey(format, Buffer.from(stored.data, 'base64'), stored.algorithm as AlgorithmIdentifier, stored.extractable, stored.usages);
}

/**
 * Replaces every CryptoKey in `value` by a reference; returns the plain value and the
 * exported keys by reference.
 */
export function detachKeys(value: unknown): { plain: unknown; keys: Record<string, StoredKey> } {
  const keys: Record<string, StoredKey> = {};
  const walk = (x: unknown): unknown => {
    if (isCryptoKey(x)) {
      const stored = exportKey(x);
      const ref = createHash('sha256').update(stored.type).update(stored.data).digest('hex').slice(0, 32);
      keys[ref] = stored;
      return { $key: ref };
    }
    if (Array.isArray(x)) return x.map(walk);
    if (typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(x)) out[k] = walk(v);
      return out;
    }
    return x;
  };
  return { plain: walk(value), keys };
}

/** The inverse of `detachKeys`: every reference becomes its imported CryptoKey again. */
export async function attachKeys(plain: unknown, keys: Record<string, StoredKey>): Promise<unknown> {
  const walk = async (x: unknown): Promise<unknown> => {
    if (isRef(x)) {
      const stored = keys[x.$key];
      if (!stored) throw new KeyFileError('key-missing', `the key file has no key ${x.$key}: the profile's keys.json does not belong to its database`);
      return importKey(stored);
    }
    if (Array.isArray(x)) return Promise.all(x.map(walk));
    if (typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(x)) out[k] = await walk(v);
      return out;
    }
    return x;
  };
  return walk(plain);
}

/** Reads and writes `keys.json` in a profile directory. */
export class KeyFile {
  readonly path: string;

  constructor(dir: string) {
    this.path = path.join(dir, 'keys.json');
  }

  /** The stored keys; none when the file does not exist yet. */
  read(): Record<string, StoredKey> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new KeyFileError('key-file-unreadable', `cannot read ${this.path}`, { cause: error });
    }
    try {
      const body = JSON.parse(text) as KeyFileBody;
      if (body.v !== VERSION || typeof body.keys !== 'object' || body.keys === null) throw new Error(`unknown key file version ${String(body.v)}`);
      return body.keys;
    } catch (cause) {
      throw new KeyFileError('key-file-unreadable', `${this.path} is damaged`, { cause });
    }
  }

  /**
   * Replaces the file's keys, atomically: a new file (0600) is written and synced, then
   * renamed over the old one, so a crash leaves either the old keys or the new ones.
   */
  write(keys: Record<string, StoredKey>): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify({ v: VERSION, keys } satisfies KeyFileBody, null, 1));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}
