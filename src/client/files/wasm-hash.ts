/**
 * SHA-256 in WebAssembly (`hash-wasm`) for the file workers' content hash
 * (docs/architecture.md §14.4, §14.5): about twice as fast as the JavaScript one, and the
 * content hash was the one piece of opening a file that ran behind its arrival.
 *
 * Only the file workers' scripts are served with `'wasm-unsafe-eval'` (docs/architecture.md
 * §6.3): the pages, the service worker and the bulk worker keep `script-src 'self'` and
 * must never call this (a refused compile there is a CSP violation). Where compiling is
 * refused anyway (a server without the worker policy, Vite's dev server) it falls back to
 * the JavaScript hasher.
 */
import { createSHA256 } from 'hash-wasm';
import { jsContentHasher, type ContentHasher, type NewContentHasher } from '../../core/files/content-hash.js';

export const wasmContentHasher: NewContentHasher = async () => {
  let hash: Awaited<ReturnType<typeof createSHA256>>;
  try {
    hash = await createSHA256();
  } catch {
    return jsContentHasher();
  }
  hash.init();
  return {
    kind: 'wasm',
    update: (bytes) => void hash.update(bytes),
    digest: () => hash.digest('binary'),
  };
};

/** For a worker's answer: a `wasmContentHasher` that remembers which kind it last made. */
export function reportingHasher(): { readonly newHasher: NewContentHasher; kind(): ContentHasher['kind'] } {
  let kind: ContentHasher['kind'] = 'js';
  return {
    newHasher: async () => {
      const made = await wasmContentHasher();
      kind = made.kind;
      return made;
    },
    kind: () => kind,
  };
}
