/**
 * The tab channel is open to every page of the origin (docs/architecture.md §8.3): a
 * hostile same-origin page posts on Parley's BroadcastChannel as if it were a tab. Real
 * BroadcastChannel (Node's), real signed documents and their authorizers.
 */
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncedDoc } from '../../../src/client/synced-doc.js';
import { shardName } from '../../../src/core/conversation.js';
import { TabSync } from '../../../src/net/tab-sync.js';
import { copyState, memberDoc, say, testAccount, texts } from '../../helpers/signed-docs.js';

const open: Array<{ destroy(): void }> = [];
let counter = 0;
afterEach(() => {
  for (const t of open.splice(0)) t.destroy();
});

async function twoTabs() {
  const name = `parley-hostile-${process.pid}-${counter++}`;
  const alice = await testAccount('Alice');
  const tab1 = await memberDoc(alice);
  const tab2 = await memberDoc(alice);
  copyState(tab1, tab2);
  copyState(tab2, tab1);
  const sync1 = new TabSync(new BroadcastChannel(name));
  const sync2 = new TabSync(new BroadcastChannel(name));
  open.push(sync1, sync2);
  sync1.add('room', tab1.doc, tab1.policy);
  sync2.add('room', tab2.doc, tab2.policy);
  const evil = new BroadcastChannel(name);
  open.push({ destroy: () => evil.close() });
  return { tab1, tab2, evil };
}

/** What a hostile page posts: a tab message with an update of its choosing. */
const post = (channel: BroadcastChannel, data: Uint8Array, kind: 'update' | 'state' = 'update') =>
  channel.postMessage({ v: 1, from: 'evil-page', doc: 'room', kind, data });

describe('the tab channel', () => {
  it('an unsigned update posted by another page of the origin is not applied', async () => {
    const { tab1, tab2, evil } = await twoTabs();
    const forger = new Y.Doc();
    forger.getArray(shardName(tab1.account.device.id, 0)).insert(0, [{ kind: 'message', text: 'unsigned, from a same-origin page' }]);
    forger.getMap('meta').set('title', 'owned');
    post(evil, Y.encodeStateAsUpdate(forger));
    post(evil, Y.encodeStateAsUpdate(forger), 'state');
    // The tabs keep working: a real write still crosses, and nothing forged got in.
    await say(tab1, 'real, from tab 1');
    await expect.poll(() => texts(tab2)).toContain('real, from tab 1');
    const holds = (d: SyncedDoc) => ({ forged: d.doc.getMap('meta').has('title'), clients: d.doc.store.clients.has(forger.clientID) });
    expect([holds(tab1), holds(tab2)]).toEqual([
      { forged: false, clients: false },
      { forged: false, clients: false },
    ]);
  });

  it("an update deleting one of Alice's messages, posted on the channel, is refused as it would be from a peer", async () => {
    const { tab1, tab2, evil } = await twoTabs();
    await say(tab1, 'keep me');
    await expect.poll(() => texts(tab2)).toContain('keep me');
    const vandal = new Y.Doc({ gc: false });
    Y.applyUpdate(vandal, Y.encodeStateAsUpdate(tab2.doc));
    const before = Y.encodeStateVector(vandal);
    vandal.getArray(shardName(tab1.account.device.id, 0)).delete(0, 1);
    post(evil, Y.encodeStateAsUpdate(vandal, before));
    await say(tab1, 'still here');
    await expect.poll(() => texts(tab2)).toContain('still here');
    expect(texts(tab2)).toContain('keep me');
  });
});
