/**
 * Runs the storage contract against the real IndexedDB stores inside Chromium. Bundled by
 * the e2e test and evaluated in a page; each case gets its own fresh database. Also pins the
 * y-indexeddb layout that `store/doc-updates.ts` reads and writes directly.
 */
import { IdbAccountStore, IdbConversationStore, IdbOutboxStore, openAppDatabase } from '../../src/store/app-db.js';
import { IdbDocStore } from '../../src/store/doc-store.js';
import { IdbDraftStore } from '../../src/store/draft-store.js';
import { IdbMailboxStateStore } from '../../src/store/mailbox-state.js';
import { IdbSettingsStore } from '../../src/store/settings-store.js';
import { IdbChunkStore, openFilesDatabase } from '../../src/store/idb-chunk-store.js';
import { chunkStoreCases } from './chunk-store-contract.js';
import { docLayoutCases } from './doc-layout.js';
import { storeContractCases } from './store-contract.js';

export interface CaseResult {
  readonly name: string;
  readonly error: string | null;
}

async function attempt(name: string, run: () => Promise<void>): Promise<CaseResult> {
  try {
    await run();
    return { name, error: null };
  } catch (error) {
    return { name, error: String((error as Error).stack ?? error) };
  }
}

export async function runStoreContract(): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  let n = 0;
  for (const c of storeContractCases) {
    const db = await openAppDatabase(`parley-contract-${Date.now()}-${n++}`);
    try {
      const stores = {
        accounts: new IdbAccountStore(db),
        conversations: new IdbConversationStore(db),
        outbox: new IdbOutboxStore(db),
        docs: new IdbDocStore(),
        mailboxState: new IdbMailboxStateStore(db),
        settings: new IdbSettingsStore(db),
        drafts: new IdbDraftStore(db),
      };
      results.push(await attempt(c.name, () => c.run(stores)));
    } finally {
      db.close();
    }
  }
  for (const c of docLayoutCases) results.push(await attempt(c.name, c.run));
  for (const c of chunkStoreCases) {
    const db = await openFilesDatabase(`parley-files-contract-${Date.now()}-${n++}`);
    try {
      results.push(await attempt(c.name, () => c.run(new IdbChunkStore(db))));
    } finally {
      db.close();
    }
  }
  return results;
}
