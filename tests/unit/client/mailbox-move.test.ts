/**
 * A conversation's mailbox across an epoch move (docs/architecture.md §7.2, "Moving to a new
 * epoch's mailbox"), against the real server (SQLite on a temp dir, port 0): what this
 * device wrote that no mailbox holds yet must reach the new epoch's mailbox, whenever during
 * the move it was written, and nothing written during the move may reach the old one.
 *
 * The orderings that lost such a write are forced, not waited for: the old mailbox's append
 * is held at the fetch seam until the test has written, or refused outright.
 */
import * as Y from 'yjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from '../../../src/core/bytes.js';
import { deriveConversationKeys, type ConversationKeys } from '../../../src/core/keys.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { SyncedDoc } from '../../../src/core/synced-doc.js';
import { mailboxIdOf } from '../../../src/core/wire/mailbox.js';
import { ConversationTransport } from '../../../src/client/conversation/transport.js';
import { MailboxClient } from '../../../src/net/mailbox-client.js';
import { MailboxCourier } from '../../../src/net/mailbox-courier.js';
import { MemoryMailboxStateStore } from '../../../src/store/mailbox-state.js';
import { memberDoc, say, testAccount, texts } from '../../helpers/signed-docs.js';
import { startTestServer, type TestServer } from '../../helpers/signaling-server.js';

/** A one-shot signal (Node 20 has no `Promise.withResolvers`). */
function signal(): { fired: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const fired = new Promise<void>((resolve) => (fire = resolve));
  return { fired, fire };
}

/** The mailbox client's fetch, with appends to one mailbox held until released, or refused. */
class AppendGate {
  private held: { id: string; arrived: () => void; released: Promise<void> } | null = null;
  private refused: string | null = null;
  /** Appends refused so far. */
  refusals = 0;

  readonly fetch: typeof fetch = async (input, init) => {
    const url = String(input);
    const append = (id: string | null): boolean => id !== null && init?.method === 'POST' && url.includes(`/${id}`);
    if (append(this.refused)) {
      this.refusals++;
      return new Response(JSON.stringify({ detail: 'busy' }), { status: 503 });
    }
    const held = this.held;
    if (held && append(held.id)) {
      this.held = null;
      held.arrived();
      await held.released;
    }
    return fetch(input, init);
  };

  /** The next append to `id` waits for `release`; `arrived` resolves once it is waiting. */
  hold(id: string): { arrived: Promise<void>; release: () => void } {
    const released = signal();
    const arrived = signal();
    this.held = { id, arrived: arrived.fire, released: released.fired };
    return { arrived: arrived.fired, release: released.fire };
  }

  /** Every append to `id` is refused as by a busy server (503); null: none from now on. */
  refuse(id: string | null): void {
    this.refused = id;
  }
}

/** Mailbox progress in memory, whose next read of one mailbox can be held until released. */
class HeldProgress extends MemoryMailboxStateStore {
  private held: { id: string; arrived: () => void; released: Promise<void> } | null = null;

  override async get(id: string): ReturnType<MemoryMailboxStateStore['get']> {
    const held = this.held;
    if (held?.id === id) {
      this.held = null;
      held.arrived();
      await held.released;
    }
    return super.get(id);
  }

  hold(id: string): { arrived: Promise<void>; release: () => void } {
    const released = signal();
    const arrived = signal();
    this.held = { id, arrived: arrived.fire, released: released.fired };
    return { arrived: arrived.fired, release: released.fire };
  }
}

let server: TestServer;
let progress: HeldProgress;
let gate: AppendGate;
let client: MailboxClient;
let oldKeys: ConversationKeys;
let newKeys: ConversationKeys;
let alice: SyncedDoc;
let transport: ConversationTransport;
let delivered: Array<Map<number, number>>;
let failures: Error[];

/** Alice's transport; `handoverRetryMs` shortens the waits between hand-over tries. */
function aliceTransport(handoverRetryMs?: readonly number[]): ConversationTransport {
  return new ConversationTransport({
    synced: alice,
    device: alice.account.device.id,
    now: () => Date.now(),
    mailbox: { client, progress, exclude: () => undefined, onOffline: () => undefined },
    peers: () => undefined,
    delivered: (state) => delivered.push(state),
    progress: () => undefined,
    failed: (error) => failures.push(error),
    logger: silentLogger,
    ...(handoverRetryMs ? { handoverRetryMs } : {}),
  });
}

beforeEach(async () => {
  server = await startTestServer();
  gate = new AppendGate();
  progress = new HeldProgress();
  client = new MailboxClient(server.httpUrl, gate.fetch);
  oldKeys = await deriveConversationKeys(randomBytes(32));
  newKeys = await deriveConversationKeys(randomBytes(32));
  alice = await memberDoc(await testAccount('Alice'));
  delivered = [];
  failures = [];
  transport = aliceTransport();
});
afterEach(async () => {
  transport.destroy();
  await server.close();
});

const idOf = (keys: ConversationKeys): string => mailboxIdOf(keys.mailboxToken)!;

/**
 * What a member gets who reads these mailboxes, in order (one who followed the move read
 * the old epoch's before the new one's, which starts where the old one left off).
 */
async function readerTexts(...mailboxes: ConversationKeys[]): Promise<string[]> {
  const reader = await memberDoc(await testAccount('Bob'));
  for (const keys of mailboxes) {
    const courier = new MailboxCourier({
      client: new MailboxClient(server.httpUrl),
      id: idOf(keys),
      token: keys.mailboxToken,
      key: keys.mailboxKey,
      doc: reader.doc,
      authorize: (update) => reader.authorizer.authorize(update),
      progress: new MemoryMailboxStateStore(),
    });
    const { waiting } = await courier.pull();
    expect(waiting).toBe(0);
  }
  return texts(reader);
}

/** Alice in the old epoch, whose mailbox holds her first message. */
async function inOldEpoch(): Promise<void> {
  await transport.bindMailbox(oldKeys);
  await say(alice, 'before the change');
  expect(await transport.mailbox!.push(true)).toBe(true);
}

/** Alice's own clock that the last delivery report covers (what makes her messages Sent). */
const deliveredOwn = (): number => delivered.at(-1)?.get(alice.doc.clientID) ?? 0;

describe('the mailbox across an epoch move', () => {
  it('a message written while the record is handed to the old mailbox reaches the new one, and not the old', async () => {
    await inOldEpoch();

    // Alice wrote the record (a message stands in for it): it goes to the old mailbox
    // first. Her next message is written while that append is on its way.
    await say(alice, 'the record');
    const handOver = gate.hold(idOf(oldKeys));
    const moving = transport.move(newKeys, transport.leave(oldKeys, true, false));
    await handOver.arrived;
    await say(alice, 'written during the hand-over');
    handOver.release();
    await moving;
    await transport.mailbox!.sync();

    expect(transport.credential?.id).toBe(idOf(newKeys));
    expect(await readerTexts(oldKeys, newKeys)).toEqual(['before the change', 'the record', 'written during the hand-over']);
    expect(await readerTexts(oldKeys)).toEqual(['before the change', 'the record']);
    expect(deliveredOwn()).toBe(Y.getState(alice.doc.store, alice.doc.clientID));
    expect(failures).toEqual([]);
  });

  it('a message the old mailbox has not taken (still in its grace period, or refused) reaches the new one', async () => {
    await inOldEpoch();

    // The server refuses the old mailbox's appends from here, so the message below cannot
    // get there whenever its grace period ends; then someone else's record moves Alice on.
    gate.refuse(idOf(oldKeys));
    await say(alice, 'written just before the change');
    await transport.move(newKeys, transport.leave(oldKeys, false, false));
    await transport.mailbox!.sync();

    expect(await readerTexts(oldKeys, newKeys)).toEqual(['before the change', 'written just before the change']);
    expect(deliveredOwn()).toBe(Y.getState(alice.doc.store, alice.doc.clientID));
    expect(failures).toEqual([]);
  });

  it('an append under way when the device leaves takes nothing written after, and what it held goes to the new mailbox', async () => {
    await inOldEpoch();

    // An append of the old binding starts, and waits on its progress read; meanwhile Alice
    // leaves the epoch (someone else wrote the record) and writes in the new one.
    await say(alice, 'written just before the change');
    const read = progress.hold(idOf(oldKeys));
    const pushing = transport.mailbox!.push(true);
    await read.arrived;
    const departure = transport.leave(oldKeys, false, false);
    await say(alice, 'written after leaving');
    read.release();
    await pushing;
    await transport.move(newKeys, departure);
    await transport.mailbox!.sync();

    expect(await readerTexts(oldKeys)).toEqual(['before the change']);
    expect(await readerTexts(oldKeys, newKeys)).toEqual(['before the change', 'written just before the change', 'written after leaving']);
    expect(failures).toEqual([]);
  });

  it('a record the old mailbox refused past every scheduled retry still gets there once the server takes it', async () => {
    // Waits of a few ms stand in for the real schedule (2 s … 5 min): a partition can
    // outlast it, and the other side of a fork finds this record only in the old mailbox.
    transport.destroy();
    transport = aliceTransport([5, 5]);
    await inOldEpoch();

    await say(alice, 'the record');
    gate.refuse(idOf(oldKeys));
    await transport.move(newKeys, transport.leave(oldKeys, true, false));
    // The first try and both scheduled retries refused: the schedule is over.
    while (gate.refusals < 3) await new Promise((r) => setTimeout(r, 5));

    // The server takes appends again, and the socket reconnects (what a reconnect calls).
    gate.refuse(null);
    transport.retryHandovers();
    const deadline = Date.now() + 10_000;
    while (!(await readerTexts(oldKeys)).includes('the record') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await readerTexts(oldKeys)).toEqual(['before the change', 'the record']);
    expect(failures).toEqual([]);
  });

  it('an epoch change alone appends nothing to the new mailbox: the record in the old one is enough', async () => {
    await inOldEpoch();

    await say(alice, 'the record');
    await transport.move(newKeys, transport.leave(oldKeys, true, false));
    await transport.mailbox!.sync();

    expect(await readerTexts(oldKeys)).toEqual(['before the change', 'the record']);
    // Not even created: a new mailbox per epoch change would spend the server's per-address
    // budget of new mailboxes (docs/architecture.md §6) on nothing.
    expect((await client.list(idOf(newKeys), newKeys.mailboxToken, 0)).entries).toEqual([]);
    expect(failures).toEqual([]);
  });
});
