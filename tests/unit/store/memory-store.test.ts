/** The in-memory stores meet the same storage contract as IndexedDB (see e2e/store-contract). */
import { describe, it } from 'vitest';
import { MemoryDraftStore } from '../../../src/store/draft-store.js';
import { MemoryMailboxStateStore } from '../../../src/store/mailbox-state.js';
import { MemoryAccountStore, MemoryConversationStore, MemoryDocStore, MemoryOutboxStore, MemorySettingsStore } from '../../../src/store/memory.js';
import { storeContractCases } from '../../contracts/store-contract.js';

describe('memory stores: storage contract', () => {
  for (const c of storeContractCases) {
    it(c.name, () =>
      c.run({
        accounts: new MemoryAccountStore(),
        conversations: new MemoryConversationStore(),
        outbox: new MemoryOutboxStore(),
        docs: new MemoryDocStore(),
        mailboxState: new MemoryMailboxStateStore(),
        settings: new MemorySettingsStore(),
        drafts: new MemoryDraftStore(),
      }),
    );
  }
});
