/**
 * Safety numbers on the page: each worked out in a worker of its own (`safety-number-worker.ts`),
 * so SHA-512 stays out of the page's scripts (docs/architecture.md §11). Programs without a
 * page (bots, the command line) work them out on their thread instead (`src/node`).
 */
import type { PublicIdentity } from '../core/identity/keys.js';
import type { FromSafetyNumberWorker, ToSafetyNumberWorker } from './safety-number-worker.js';

/** Works out the safety number of two identities: 60 digits, the same for both people. */
export type SafetyNumbers = (a: PublicIdentity, b: PublicIdentity) => Promise<string>;

export const safetyNumberInWorker: SafetyNumbers = (a, b) => {
  // This exact form is what Vite recognizes to bundle the worker.
  const worker = new Worker(new URL('./safety-number-worker.ts', import.meta.url), { type: 'module' });
  return new Promise<string>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<FromSafetyNumberWorker>) => ('digits' in e.data ? resolve(e.data.digits) : reject(new Error(e.data.error)));
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`the safety number worker failed: ${e.message}`));
    };
    worker.postMessage({ a, b } satisfies ToSafetyNumberWorker);
  }).finally(() => worker.terminate());
};
