/**
 * The mailbox courier against the real server (SQLite on a temp dir, port 0): writes go
 * in as sealed state diffs, come out authorized, and trimming never removes the snapshot a
 * later joiner would start from.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as Y from 'yjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes, utf8 } from '../../../src/core/bytes.js';
import { deriveConversationKeys, type ConversationKeys } from '../../../src/core/keys.js';
import { padmeLength } from '../../../src/core/padme.js';
import { seal } from '../../../src/core/sealed.js';
import type { SyncedDoc } from '../../../src/core/synced-doc.js';
import { mailboxIdOf } from '../../../src/core/wire/mailbox.js';
import { MailboxClient } from '../../../src/net/mailbox-client.js';
import { MailboxCourier } from '../../../src/net/mailbox-courier.js';
import { MemoryMailboxStateStore } from '../../../src/store/mailbox-state.js';
import { memberDoc, say, testAccount, texts } from '../../helpers/signed-docs.js';
import { startTestServer, type TestServer } from '../../helpers/signaling-server.js';

let server: TestServer;
let keys: ConversationKeys;
let client: MailboxClient;

beforeEach(async () => {
  server = await startTestServer();
  keys = await deriveConversationKeys(randomBytes(32));
  client = new MailboxClient(server.httpUrl);
});
afterEach(async () => {
  await server.close();
});

const courierFor = (doc: SyncedDoc, progress = new MemoryMailboxStateStore(), maxEntryBytes?: number) =>
  new MailboxCourier({
    ...(maxEntryBytes ? { maxEntryBytes } : {}),
    client,
    id: mailboxIdOf(keys.mailboxToken)!,
    token: keys.mailboxToken,
    key: keys.mailboxKey,
    doc: doc.doc,
    authorize: (u) => doc.authorizer.authorize(u),
    progress,
  });

describe('mailbox courier', () => {
  it('carries writes between devices that are never online together', async () => {
    const alice = await memberDoc(await testAccount('Alice'));
    const bob = await memberDoc(await testAccount('Bob'));
    const a = courierFor(alice);
    await say(alice, 'one', 'two');
    expect(await a.push()).not.toBeNull();
    await say(alice, 'three');
    await a.push();
    expect(await a.push()).toBeNull(); // nothing new

    const result = await courierFor(bob).pull();
    expect(result.waiting).toBe(0);
    expect(texts(bob)).toEqual(['one', 'two', 'three']);
  });

  it('applies entries only after authorization: a forged entry sealed with the key is dropped', async () => {
    const alice = await memberDoc(await testAccount('Alice'));
    const bob = await memberDoc(await testAccount('Bob'));
    await say(alice, 'genuine');
    await courierFor(alice).push();
    // A member with the key seals something that is not a valid signed update.
    const junk = new Y.Doc();
    junk.getText('notes').insert(0, 'not part of the schema');
    const id = mailboxIdOf(keys.mailboxToken)!;
    await client.append(id, keys.mailboxToken, await seal(keys.mailboxKey, Y.encodeStateAsUpdate(junk), utf8(`parley-mailbox/v1\n${id}`)));
    await courierFor(bob).pull();
    expect(texts(bob)).toEqual(['genuine']);
    expect(bob.doc.share.has('notes')).toBe(false);
  });

  it('trims what everyone read but keeps the latest snapshot', async () => {
    const alice = await memberDoc(await testAccount('Alice'));
    const progress = new MemoryMailboxStateStore();
    const a = courierFor(alice, progress);
    await say(alice, 'first');
    await a.push(); // seq 1: the snapshot
    for (const text of ['second', 'third']) {
      await say(alice, text);
      await a.push();
    }
    await a.trim(3);
    const id = mailboxIdOf(keys.mailboxToken)!;
    const left = (await client.list(id, keys.mailboxToken, 0)).entries.map((e) => e.seq);
    expect(left).toEqual([1, 2, 3]);
    // A later joiner still gets everything.
    const carol = await memberDoc(await testAccount('Carol'));
    await courierFor(carol).pull();
    expect(texts(carol)).toEqual(['first', 'second', 'third']);
    // Once a newer snapshot exists (here: the device's progress says seq 3 is one), what
    // everyone read before it goes.
    await progress.put({ ...(await progress.get(id)), snapshotSeq: 3 });
    await a.trim(3);
    expect((await client.list(id, keys.mailboxToken, 0)).entries.map((e) => e.seq)).toEqual([3]);
  });

  it("a history too large for one entry sends this session's own writes, once", async () => {
    const earlier = await memberDoc(await testAccount('Alice'));
    await say(earlier, ...Array.from({ length: 40 }, (_, i) => `old ${i} ${'x'.repeat(100)}`));
    const history = Y.encodeStateAsUpdate(earlier.doc);
    // A new session of the same device: same account, new Yjs client id, history loaded.
    const alice = await memberDoc(earlier.account);
    Y.applyUpdate(alice.doc, history);
    await say(alice, 'new in this session');
    const progress = new MemoryMailboxStateStore();
    const limit = Math.floor(history.length / 2);
    const courier = courierFor(alice, progress, limit);
    expect(await courier.push()).not.toBeNull();
    const id = mailboxIdOf(keys.mailboxToken)!;
    const [entry] = (await client.list(id, keys.mailboxToken, 0)).entries;
    expect(entry!.data.length).toBeLessThanOrEqual(limit);
    // Recorded as sent: the next push has nothing to do instead of failing again.
    expect(await courier.push()).toBeNull();
    // A member who has the history gets the new message from the mailbox.
    const bob = await memberDoc(await testAccount('Bob'));
    Y.applyUpdate(bob.doc, history);
    await courierFor(bob).pull();
    expect(texts(bob)).toContain('new in this session');
  });
  it('does not encode a push that its strings alone show too large for an entry', async () => {
    const alice = await memberDoc(await testAccount('Alice'));
    await say(alice, ...Array.from({ length: 40 }, (_, i) => `old ${i} ${'x'.repeat(100)}`));
    // Counts what Yjs writes out of one of Alice's messages whenever it encodes the doc.
    let encoded = 0;
    const item = [...alice.doc.store.clients.get(alice.doc.clientID)!].find((s): s is Y.Item => s instanceof Y.Item && s.content instanceof Y.ContentAny && s.content.arr.length > 1)!;
    const content = item.content as Y.ContentAny & { write(encoder: unknown, offset: number): void };
    const write = content.write.bind(content);
    content.write = (encoder, offset) => {
      encoded++;
      write(encoder, offset);
    };
    expect(Y.encodeStateAsUpdate(alice.doc).length).toBeGreaterThan(4096);
    expect(encoded).toBe(1);
    // Her own writes (all she has) are over the entry: refused, and nothing was encoded for it.
    await expect(courierFor(alice, new MemoryMailboxStateStore(), 2048).push()).rejects.toMatchObject({ status: 413 });
    expect(encoded).toBe(1);
  });

  it('pads every entry to a size bucket: a short and a long message look the same, large ones land on Padmé sizes', async () => {
    const alice = await memberDoc(await testAccount('Alice'));
    const a = courierFor(alice);
    await say(alice, 'hi');
    await a.push();
    await say(alice, `a longer message ${'y'.repeat(300)}`);
    await a.push();
    await say(alice, `a long one ${'z'.repeat(15_000)}`);
    await a.push();
    const id = mailboxIdOf(keys.mailboxToken)!;
    const sizes = (await client.list(id, keys.mailboxToken, 0)).entries.map((e) => e.data.length);
    expect(sizes).toHaveLength(3);
    // The first is the device's snapshot (its whole document); the second is just one message.
    expect(sizes[0]).toBe(1024);
    expect(sizes[1]).toBe(1024);
    expect(sizes[2]).toBeGreaterThan(15_000);
    expect(padmeLength(sizes[2]!)).toBe(sizes[2]);
    const bob = await memberDoc(await testAccount('Bob'));
    await courierFor(bob).pull();
    expect(texts(bob)).toEqual(['hi', `a longer message ${'y'.repeat(300)}`, `a long one ${'z'.repeat(15_000)}`]);
  });

  it('still reads an unpadded entry written before padding (v1)', async () => {
    const alice = await memberDoc(await testAccount('Alice'));
    await say(alice, 'written by an older version');
    const id = mailboxIdOf(keys.mailboxToken)!;
    await client.append(id, keys.mailboxToken, await seal(keys.mailboxKey, Y.encodeStateAsUpdate(alice.doc), utf8(`parley-mailbox/v1\n${id}`)), { writer: 'a'.repeat(64) });
    const bob = await memberDoc(await testAccount('Bob'));
    const result = await courierFor(bob).pull();
    expect(result.applied).toBe(1);
    expect(texts(bob)).toEqual(['written by an older version']);
  });

  it('stops paging when a server answers with entries it has already given (a page that brings nothing after the cursor)', async () => {
    // A broken or hostile server: every page holds entry 1 again and says there is more.
    let requests = 0;
    const stale = createServer((_req, res) => {
      requests++;
      // On the old code the reader never stopped; past 50 pages this one refuses, so it fails instead of hanging.
      if (requests > 50) return void res.writeHead(500).end();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ entries: [{ seq: 1, at: 0, data: 'AAAA' }], more: true }));
    });
    await new Promise<void>((resolve) => stale.listen(0, '127.0.0.1', resolve));
    try {
      client = new MailboxClient(`http://127.0.0.1:${(stale.address() as AddressInfo).port}`);
      const bob = await memberDoc(await testAccount('Bob'));
      const result = await courierFor(bob).pull();
      expect(result.readSeq).toBe(1);
      expect(requests).toBe(2);
    } finally {
      await new Promise((resolve) => stale.close(resolve));
    }
  });
});
