/**
 * The storage contract every implementation must meet (docs/architecture.md §9: one contract
 * suite per seam). Plain async functions with their own assertions and no test-runner
 * imports, so the same cases run in Node against the in-memory stores and in Chromium against
 * IndexedDB. Every store seam of `src/store` is covered: account, conversations, outbox,
 * documents, mailbox progress, device settings and drafts.
 */
import * as Y from 'yjs';
import type { UnsignedEvent } from '../../src/core/events.js';
import type { DeviceId, EventId, Topic } from '../../src/core/ids.js';
import { createAccount } from '../../src/client/account.js';
import type { MailboxStateStore } from '../../src/store/mailbox-state.js';
import type { DraftStore } from '../../src/store/draft-store.js';
import type { SettingsStore } from '../../src/store/settings-store.js';
import type { AccountStore, ConversationStore, DocStore, OutboxEntry, OutboxStore } from '../../src/store/types.js';

export interface Stores {
  readonly accounts: AccountStore;
  readonly conversations: ConversationStore;
  readonly outbox: OutboxStore;
  readonly docs: DocStore;
  readonly mailboxState: MailboxStateStore;
  readonly settings: SettingsStore;
  readonly drafts: DraftStore;
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
    name: 'drafts: one per conversation with its reply target; an empty draft is removed',
    async run({ drafts }) {
      check((await drafts.get(T1)) === null, 'no draft at first');
      await drafts.put(T1, { text: 'half a thought', replyTo: 'deviceAAAAAA.event001' as EventId });
      await drafts.put(T2, { text: 'elsewhere' });
      const got = await drafts.get(T1);
      check(got?.text === 'half a thought' && got.replyTo === 'deviceAAAAAA.event001', 'draft read back with its reply target');
      check((await drafts.get(T2))?.text === 'elsewhere', 'drafts are per conversation');
      await drafts.put(T1, { text: '' });
      check((await drafts.get(T1)) === null, 'an empty draft is removed');
      check((await drafts.get(T2))?.text === 'elsewhere', 'removing one draft keeps the others');
      await drafts.put(T1, { text: 'again' });
      await drafts.remove(T2);
      check((await drafts.get(T2)) === null && (await drafts.get(T1))?.text === 'again', 'remove erases exactly one conversation');
      await drafts.remove(T2);
    },
  },
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
  {
    name: 'docs: a document closed and opened again has every update, and names are separate',
    async run({ docs }) {
      const name = uniqueName('a');
      const first = new Y.Doc();
      const persisted = docs.open(name, first);
      await persisted.whenLoaded;
      // Many small writes, not awaited one by one: the store keeps them as they happen.
      for (let i = 0; i < 200; i++) first.getArray<number>('log').insert(i, [i]);
      first.getMap('meta').set('title', 'Zoë');
      await settle();
      await persisted.destroy();
      const again = new Y.Doc();
      const reopened = docs.open(name, again);
      await reopened.whenLoaded;
      check(again.getArray('log').length === 200 && again.getArray('log').get(199) === 199, `log length ${again.getArray('log').length}`);
      check(again.getMap('meta').get('title') === 'Zoë', 'map value read back');
      await reopened.destroy();
      const other = new Y.Doc();
      const otherStore = docs.open(uniqueName('b'), other);
      await otherStore.whenLoaded;
      check(other.getArray('log').length === 0, 'another name starts empty');
      await otherStore.destroy();
    },
  },
  {
    name: 'docs: clear deletes a document, and writes after reopening are kept',
    async run({ docs }) {
      const name = uniqueName('c');
      const doc = new Y.Doc();
      const p = docs.open(name, doc);
      await p.whenLoaded;
      doc.getArray<string>('log').insert(0, ['gone']);
      await settle();
      await p.destroy();
      await docs.clear(name);
      const fresh = new Y.Doc();
      const q = docs.open(name, fresh);
      await q.whenLoaded;
      check(fresh.getArray('log').length === 0, 'cleared document is empty');
      fresh.getArray<string>('log').insert(0, ['kept']);
      await settle();
      await q.destroy();
      const last = new Y.Doc();
      const r = docs.open(name, last);
      await r.whenLoaded;
      check(last.getArray('log').toArray().join() === 'kept', `after clear: ${last.getArray('log').toArray().join()}`);
      await r.destroy();
    },
  },
  {
    name: 'mailbox progress: empty until put, read back exactly, per mailbox',
    async run({ mailboxState }) {
      const a = 'a'.repeat(64);
      const b = 'b'.repeat(64);
      const empty = await mailboxState.get(a);
      check(empty.id === a && empty.readSeq === 0 && empty.sentState === null && empty.snapshotSeq === 0, 'unknown mailbox starts empty');
      await mailboxState.put({ id: a, readSeq: 7, sentState: new Uint8Array([1, 2, 3]), snapshotSeq: 5 });
      const got = await mailboxState.get(a);
      check(got.readSeq === 7 && got.snapshotSeq === 5 && got.sentState instanceof Uint8Array && [...got.sentState].join() === '1,2,3', 'progress read back');
      check((await mailboxState.get(b)).readSeq === 0, 'mailboxes are separate');
      await mailboxState.put({ ...got, readSeq: 9, writerKey: 'k'.repeat(43) });
      const replaced = await mailboxState.get(a);
      check(replaced.readSeq === 9 && replaced.writerKey === 'k'.repeat(43), 'put replaces, writer key included');
      await mailboxState.put({ id: b, readSeq: 3, sentState: null, snapshotSeq: 0 });
      await mailboxState.remove([a, 'c'.repeat(64)]);
      check((await mailboxState.get(a)).readSeq === 0 && (await mailboxState.get(b)).readSeq === 3, 'remove forgets exactly the given mailboxes, unknown ones tolerated');
    },
  },
  {
    name: 'settings: defaults, then what was put; unread counts add up and clear per conversation',
    async run({ settings }) {
      check((await settings.get()).notificationPreviews === true, 'previews on by default');
      await settings.put({ notificationPreviews: false, pushEndpointHash: 'f'.repeat(64) });
      const got = await settings.get();
      check(got.notificationPreviews === false && got.pushEndpointHash === 'f'.repeat(64), 'settings read back');
      check(Object.keys(await settings.unread()).length === 0, 'no unread at first');
      await settings.addUnread(T1, 2);
      await settings.addUnread(T1, 3);
      const both = await settings.addUnread(T2, 1);
      check(both[T1] === 5 && both[T2] === 1, `counts: ${JSON.stringify(both)}`);
      const left = await settings.clearUnread(T1);
      check(left[T1] === undefined && left[T2] === 1, `after clear: ${JSON.stringify(left)}`);
      check(JSON.stringify(await settings.clearUnread(T1)) === JSON.stringify({ [T2]: 1 }), 'clearing twice is harmless');
      check((await settings.unread())[T2] === 1, 'unread read back');
    },
  },
];

let nameCounter = 0;
/** Document names unique across runs, so a browser profile reused by a test never collides. */
const uniqueName = (tag: string): string => `contract-${tag}-${Date.now().toString(36)}-${(nameCounter++).toString(36)}`;

/** Lets stores that write asynchronously (y-indexeddb) start their writes. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
