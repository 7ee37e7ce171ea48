/** The in-memory chunk store meets the contract IndexedDB meets in Chromium (e2e/store-contract). */
import { describe, it } from 'vitest';
import { MemoryChunkStore } from '../../../src/store/chunk-store.js';
import { chunkStoreCases } from '../../contracts/chunk-store-contract.js';

describe('memory chunk store: contract', () => {
  for (const c of chunkStoreCases) it(c.name, () => c.run(new MemoryChunkStore()));
});
