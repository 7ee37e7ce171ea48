/**
 * The content hash of a file (SHA-256 of its plaintext, docs/architecture.md §14.1), taken as
 * the bytes stream through sealing or opening. WebCrypto has no streaming digest, so this is
 * SHA-256 in JavaScript (noble) unless the caller hands a faster one: the file workers use
 * WebAssembly (`client/files/wasm-hash.ts`, §14.4), which the CSP allows in their scripts
 * only.
 */
import { sha256 } from '@noble/hashes/sha2.js';

/** A running SHA-256 over bytes given in order. */
export interface ContentHasher {
  /** Which implementation hashes, for the workers to report (§14.4). */
  readonly kind: 'wasm' | 'js';
  /** Adds the next bytes; the hasher does not keep them. */
  update(bytes: Uint8Array): void;
  /** The 32-byte digest of everything added; call once. */
  digest(): Uint8Array;
}

/** Makes a fresh hasher for one file. */
export type NewContentHasher = () => Promise<ContentHasher>;

/** SHA-256 in JavaScript: runs everywhere, about 140 MiB/s in Chromium here (§14.5). */
export const jsContentHasher: NewContentHasher = async () => {
  const hash = sha256.create();
  return {
    kind: 'js',
    update: (bytes) => void hash.update(bytes),
    digest: () => hash.digest(),
  };
};
