/**
 * The storage contract every implementation must meet (ARCHITECTURE §9: shared contract
 * suites). Plain async functions with their own assertions and no test-runner imports, so
 * the same cases run in Node against the in-memory stores and in Chromium against IndexedDB.
 */
import type { ConversationEvent } from '../../src/core/events.js';
import type { DeviceId, EventId, Topic } from '../../src/core/ids.js';
import type { ConversationStore, OutboxEntry, OutboxStore, ProfileStore } from '../../src/store/types.js';

export interface Stores {
  readonly profiles: ProfileStore;
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
  const event: ConversationEvent = { id, kind: 'message', author: ME, at: 1000 + n, text: `text ${n}` };
  return { id, conversation, event, createdAt: 1000 + n };
};

export const storeContractCases: ContractCase[] = [
  {
    name: 'profile: absent until put, then read back unchanged',
    async run({ profiles }) {
      check((await profiles.get()) === null, 'a new store has no profile');
      await profiles.put({ deviceId: ME, name: 'Zoë ✓', createdAt: 5 });
      const got = await profiles.get();
      check(got?.name === 'Zoë ✓' && got.deviceId === ME && got.createdAt === 5, `profile read back wrong: ${JSON.stringify(got)}`);
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
