/**
 * Runs the storage contract against the real IndexedDB stores inside Chromium. Bundled by
 * the e2e test and evaluated in a page; each case gets its own fresh database.
 */
import { IdbAccountStore, IdbConversationStore, IdbOutboxStore, openAppDatabase } from '../../src/store/app-db.js';
import { storeContractCases } from './store-contract.js';

export interface CaseResult {
  readonly name: string;
  readonly error: string | null;
}

export async function runStoreContract(): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  let n = 0;
  for (const c of storeContractCases) {
    const db = await openAppDatabase(`parley-contract-${Date.now()}-${n++}`);
    try {
      await c.run({ accounts: new IdbAccountStore(db), conversations: new IdbConversationStore(db), outbox: new IdbOutboxStore(db) });
      results.push({ name: c.name, error: null });
    } catch (error) {
      results.push({ name: c.name, error: String((error as Error).stack ?? error) });
    } finally {
      db.close();
    }
  }
  return results;
}
