/**
 * The page's bulk worker host (docs/architecture.md §14.2, "The bulk channel"), made where
 * Vite can see the worker's script: the constructor below is the form it bundles, into
 * `assets/workers/`, served with the page's policy: it compiles no WebAssembly (§6.3).
 */
import { BulkHost, type BulkWorkerLike } from '../../net/files/bulk-lane.js';

export function pageBulkHost(): BulkHost {
  return new BulkHost({
    spawn: () => new Worker(new URL('./bulk-worker.ts', import.meta.url), { type: 'module' }) as unknown as BulkWorkerLike,
  });
}
