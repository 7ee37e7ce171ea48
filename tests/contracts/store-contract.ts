/**
 * The storage contract every implementation must meet (ARCHITECTURE §9: shared contract
 * suites). Plain async functions with their own assertions and no test-runner imports, so
 * the same cases run in Node against the in-memory stores and in Chromium against IndexedDB.
 */
import type { UnsignedEvent } from '../../src/core/events.js';
import type { DeviceId, EventId, Topic } from '../../src/core/ids.js';
import { createAccount } from '../../src/client/account.js';
import type { AccountStore, ConversationStore, OutboxEntry, OutboxStore } from '../../src/store/types.js';

export interface Stores {
  readonly accounts: AccountStore;
  readonly conversations: ConversationStore;
  readonly outbox: OutboxStore;
}

export interface ContractCase {
  readonly name: string;
  run(stores: Stores): Promise<void>;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const T1 = '00000000000000000000000000000001' as Topic;
const T2 = '00000000000000000000000000000002' as Topic;
const ME = 'deviceAAAAAA' as DeviceId;

const entry = (n: number, conversation: Topic = T1): OutboxEntry => {
  const id = `event${String(n).padStart(7, '0')}` as EventId;
  const event: UnsignedEvent = { id, kind: 'message', author: ME, at: 1000 + n, text: `text ${n}` };
  return { id, conversation, event, createdAt: 1000 + n };
};

export const storeContractCases: ContractCase[] = [
  {
    name: 'account: absent until put, then read back with its private keys still usable',
    async run({ accounts }) {
      check((await accounts.get()) === null, 'a new store has no account');
      const account = await createAccount('Zoë ✓', 5);
      await accounts.put(account);
      const got = await accounts.get();
      check(got?.name === 'Zoë ✓' && got.device.id === account.device.id && got.createdAt === 5, 'account read back wrong');
      check(got.device.signPrivate.extractable === false, 'device key stays non-extractable');
      check(got.identityKeys?.signPrivate.extractable === false && got.identityKeys.dhPrivate.extractable === false, 'identity keys stay non-extractable');
      const sig = await crypto.subtle.sign('Ed25519', got.device.signPrivate, new Uint8Array([1, 2, 3]));
      check(sig.byteLength === 64, 'stored device key still signs');
    },
  },
  {
    name: 'conversations: put, list, get, update and remove',
    async run({ conversations }) {
      await conversations.put({ id: T1, secret: 's1', title: '', createdAt: 1 });
      await conversations.put({ id: T2, secret: 's2', title: 'Two', createdAt: 2 });
      check((await conversations.list()).length === 2, 'two records listed');
      await conversations.put({ id: T1, secret: 's1', title: '', createdAt: 1, lastText: 'hi', lastAt: 9 });
      const one = await conversations.get(T1);
      check(one?.lastText === 'hi' && one.lastAt === 9, 'put replaces the record');
      await conversations.remove(T2);
      check((await conversations.get(T2)) === null, 'removed record is gone');
      check((await conversations.list()).length === 1, 'one record left');
    },
  },
  {
    name: 'outbox: entries come back in creation order, per conversation',
    async run({ outbox }) {
      await outbox.add(entry(3));
      await outbox.add(entry(1));
      await outbox.add(entry(2, T2));
      const all = await outbox.list();
      check(all.map((e) => e.id).join() === [entry(1).id, entry(2).id, entry(3).id].join(), `order: ${all.map((e) => e.id)}`);
      const t1 = await outbox.list(T1);
      check(t1.length === 2 && t1.every((e) => e.conversation === T1), 'filtered by conversation');
      check(JSON.stringify(t1[0]!.event) === JSON.stringify(entry(1).event), 'event stored unchanged');
    },
  },
  {
    name: 'outbox: remove deletes exactly the given ids and tolerates unknown ones',
    async run({ outbox }) {
      for (let i = 1; i <= 5; i++) await outbox.add(entry(i));
      await outbox.remove([entry(2).id, entry(4).id, 'unknown00000' as EventId]);
      await outbox.remove([]);
      const left = (await outbox.list()).map((e) => e.id);
      check(left.join() === [entry(1).id, entry(3).id, entry(5).id].join(), `left: ${left}`);
    },
  },
  {
    name: 'outbox: adding the same id twice keeps one entry',
    async run({ outbox }) {
      await outbox.add(entry(7));
      await outbox.add(entry(7));
      check((await outbox.list()).length === 1, 'idempotent add');
    },
  },
  {
    name: 'stores do not alias caller objects',
    async run({ outbox }) {
      const e = entry(8);
      await outbox.add(e);
      (e.event as { text: string }).text = 'mutated after add';
      const [stored] = await outbox.list();
      check((stored!.event as { text: string }).text === 'text 8', 'stored copy is independent');
    },
  },
];
