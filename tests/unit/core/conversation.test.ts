/**
 * The conversation schema (docs/architecture.md §3.1): per-author sharded logs of signed events,
 * discovered incrementally.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { parseShardName, SHARD_SIZE, shardName } from '../../../src/core/conversation.js';
import { createEvent } from '../../../src/core/events.js';
import type { DeviceId } from '../../../src/core/ids.js';
import { memberDoc, say, testAccount, texts, tick } from '../../helpers/signed-docs.js';

describe('sharded event log', () => {
  it('appends to the author own shards, at most SHARD_SIZE per array (§3)', async () => {
    const alice = await memberDoc(await testAccount('Alice'));
    const me = alice.account.device.id;
    const drafts = Array.from({ length: SHARD_SIZE * 2 + 5 }, (_, i) => createEvent({ kind: 'message', text: `m${i}` }, me, tick()));
    await alice.writer.appendEvents(drafts.slice(0, 10), null);
    await alice.writer.appendEvents(drafts.slice(10), null);
    expect(alice.doc.getArray(shardName(me, 0)).length).toBe(SHARD_SIZE);
    expect(alice.doc.getArray(shardName(me, 1)).length).toBe(SHARD_SIZE);
    expect(alice.doc.getArray(shardName(me, 2)).length).toBe(5);
    expect(alice.log.readAll().length).toBe(drafts.length);
  });

  it('refuses to store an event signed for another placement', async () => {
    const alice = await memberDoc(await testAccount('Alice'));
    const [event] = await say(alice, 'once');
    expect(() => alice.log.append(alice.account.device.id, [event!])).toThrow(/placement/);
  });

  it('reports only the new events of each transaction, local or remote', async () => {
    const a = await memberDoc(await testAccount('Alice'));
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a.doc));
    a.doc.on('update', (u: Uint8Array) => Y.applyUpdate(b, u, 'remote'));
    const seen: Array<{ texts: string[]; origin: unknown }> = [];
    const { ConversationLog } = await import('../../../src/core/conversation.js');
    new ConversationLog(b).observe((events, origin) => seen.push({ texts: events.map((e) => (e as { text: string }).text), origin }));
    await say(a, 'one', 'two');
    await say(a, 'three');
    expect(seen).toEqual([
      { texts: ['one', 'two'], origin: 'remote' },
      { texts: ['three'], origin: 'remote' },
    ]);
  });

  it('chains each device events by hash and finds the chain tip after a reload', async () => {
    const alice = await memberDoc(await testAccount('Alice'));
    const [first, second] = await say(alice, 'a', 'b');
    expect(first!.prev).toBe('');
    expect(second!.prev).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [third] = await say(alice, 'c');
    const { eventHash } = await import('../../../src/core/identity/signed.js');
    expect(third!.prev).toBe(eventHash(second!));
    expect(alice.log.lastEvent(alice.account.device.id)?.id).toBe(third!.id);
  });

  it('locates events by id for delivery tracking', async () => {
    const alice = await memberDoc(await testAccount('Alice'));
    const events = await say(alice, 'a', 'b');
    const found = alice.log.locate(alice.account.device.id, new Set([events[1]!.id]));
    expect(found.get(events[1]!.id)).toEqual(Y.createID(events[1]!.c, events[1]!.k));
    expect(found.size).toBe(1);
    expect(texts(alice)).toEqual(['a', 'b']);
  });

  it('parses shard names strictly', () => {
    const d = 'aliceDevice01' as DeviceId;
    expect(parseShardName(shardName(d, 12))).toEqual({ author: d, index: 12 });
    for (const bad of ['log:', 'log:short:1', `log:${d}:01`, `log:${d}:-1`, `log:${d}`, 'members']) {
      expect(parseShardName(bad)).toBeNull();
    }
  });

  it('a send costs the same regardless of history: it touches only the newest shard', async () => {
    const alice = await memberDoc(await testAccount('Alice'));
    const me = alice.account.device.id;
    await alice.writer.appendEvents(Array.from({ length: SHARD_SIZE * 3 }, (_, i) => createEvent({ kind: 'message', text: `m${i}` }, me, tick())), null);
    let update: Uint8Array = new Uint8Array();
    alice.doc.once('update', (u: Uint8Array) => (update = u));
    await say(alice, 'new');
    expect(Y.decodeUpdate(update).structs.length).toBe(1);
    expect(update.length).toBeLessThan(400);
  });
});
