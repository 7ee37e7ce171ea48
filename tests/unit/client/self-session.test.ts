/**
 * SelfSession's lifecycle (docs/architecture.md §9): the constructor only wires, the empty
 * Awareness the sync engine asks for (it runs an interval) exists from `open()`, and
 * `destroy()` releases it and the document listener. Real signed self doc; storage in memory,
 * timers faked to count them.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SelfSession } from '../../../src/client/self-session.js';
import { randomBytes } from '../../../src/core/bytes.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { deriveConversationKeys, SECRET_BYTES } from '../../../src/core/keys.js';
import type { RoomSync } from '../../../src/net/room-sync.js';
import { MemoryDocStore } from '../../../src/store/memory.js';
import { testAccount, tick } from '../../helpers/signed-docs.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('SelfSession lifecycle', () => {
  it('starts no timer before open, and destroy() releases the Awareness interval and the document listener', async () => {
    const account = await testAccount('Alice');
    const keys = await deriveConversationKeys(randomBytes(SECRET_BYTES));
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    const self = new SelfSession(keys, account, new VerifyKeyCache(), tick);
    expect(vi.getTimerCount()).toBe(0);
    let changes = 0;
    self.on('changed', () => changes++);
    let attachedWith: unknown = null;
    await self.open(new MemoryDocStore().open('self', self.synced.doc), (s) => {
      attachedWith = s.awareness;
      return {} as RoomSync;
    });
    expect(attachedWith).toBe(self.awareness);
    // The Awareness's outdated-state check.
    expect(vi.getTimerCount()).toBe(1);
    expect(self.awareness.getLocalState()).toBeNull();
    expect(changes).toBeGreaterThan(0); // the member record written on open
    const seen = changes;
    await self.destroy();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(vi.getTimerCount()).toBe(0);
    expect(changes).toBe(seen);
  });
});
