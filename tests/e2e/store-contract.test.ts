/**
 * The IndexedDB stores meet the storage contract, in real Chromium (docs/architecture.md §9). The
 * contract module is bundled with Vite and run inside a page of the app's origin.
 */
import { describe, expect, it } from 'vitest';
import { useHarness } from '../helpers/harness-page.js';
import { docLayoutCases } from '../contracts/doc-layout.js';
import { chunkStoreCases } from '../contracts/chunk-store-contract.js';
import { storeContractCases } from '../contracts/store-contract.js';

const harness = useHarness('tests/contracts/browser-entry.ts', 'contract');

describe('IndexedDB stores: storage contract and y-indexeddb layout', () => {
  it('passes every contract case in Chromium', async () => {
    const page = await harness.page();
    const results = await page.evaluate(() => (window as unknown as { contract: { runStoreContract(): Promise<{ name: string; error: string | null }[]> } }).contract.runStoreContract());
    expect(results.map((r) => r.name)).toEqual([...storeContractCases, ...docLayoutCases, ...chunkStoreCases].map((c) => c.name));
    expect(results.filter((r) => r.error !== null)).toEqual([]);
    await page.context().close();
  });
});
