/**
 * The conversation schema (ARCHITECTURE §3): per-author sharded logs of plain events,
 * discovered incrementally.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { ConversationLog, parseShardName, SHARD_SIZE, shardName } from '../../../src/core/conversation.js';
import { createEvent, type ConversationEvent } from '../../../src/core/events.js';
import type { DeviceId } from '../../../src/core/ids.js';

const ALICE = 'aliceDevice01' as DeviceId;
const BOB = 'bobDevice0001' as DeviceId;
let clock = 1_700_000_000_000;
const msg = (author: DeviceId, text: string): ConversationEvent => createEvent({ kind: 'message', text }, author, clock++);

describe('sharded event log', () => {
  it('appends to the author own shards, at most SHARD_SIZE per array (§3)', () => {
    const doc = new Y.Doc();
    const log = new ConversationLog(doc);
    const events = Array.from({ length: SHARD_SIZE * 2 + 5 }, (_, i) => msg(ALICE, `m${i}`));
    log.append(ALICE, events.slice(0, 10));
    log.append(ALICE, events.slice(10));
    expect(doc.getArray(shardName(ALICE, 0)).length).toBe(SHARD_SIZE);
    expect(doc.getArray(shardName(ALICE, 1)).length).toBe(SHARD_SIZE);
    expect(doc.getArray(shardName(ALICE, 2)).length).toBe(5);
    expect(log.readAll().length).toBe(events.length);
  });

  it('continues the newest shard after a reload', () => {
    const doc = new Y.Doc();
    new ConversationLog(doc).append(ALICE, Array.from({ length: SHARD_SIZE + 3 }, (_, i) => msg(ALICE, `m${i}`)));
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(doc));
    new ConversationLog(reloaded).append(ALICE, [msg(ALICE, 'after reload')]);
    expect(reloaded.getArray(shardName(ALICE, 1)).length).toBe(4);
  });

  it('reports only the new events of each transaction, local or remote', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    a.on('update', (u: Uint8Array) => Y.applyUpdate(b, u, 'remote'));
    const seen: Array<{ texts: string[]; origin: unknown }> = [];
    new ConversationLog(b).observe((events, origin) => seen.push({ texts: events.map((e) => (e as { text: string }).text), origin }));
    const log = new ConversationLog(a);
    log.append(ALICE, [msg(ALICE, 'one'), msg(ALICE, 'two')]);
    log.append(ALICE, [msg(ALICE, 'three')]);
    expect(seen).toEqual([
      { texts: ['one', 'two'], origin: 'remote' },
      { texts: ['three'], origin: 'remote' },
    ]);
  });

  it('ignores malformed values and events sitting in someone else shard', () => {
    const doc = new Y.Doc();
    const log = new ConversationLog(doc);
    doc.getArray(shardName(ALICE, 0)).insert(0, [{ kind: 'message', text: 'no id' }, 42, msg(BOB, 'forged into Alice shard')]);
    log.append(BOB, [msg(BOB, 'genuine')]);
    expect(log.readAll().map((e) => (e as { text: string }).text)).toEqual(['genuine']);
  });

  it('locates events by id for delivery tracking', () => {
    const doc = new Y.Doc();
    const log = new ConversationLog(doc);
    const events = [msg(ALICE, 'a'), msg(ALICE, 'b')];
    const ids = log.append(ALICE, events);
    const found = log.locate(ALICE, new Set([events[1]!.id]));
    expect(found.get(events[1]!.id)).toEqual(ids[1]);
    expect(found.size).toBe(1);
  });

  it('parses shard names strictly', () => {
    expect(parseShardName(shardName(ALICE, 12))).toEqual({ author: ALICE, index: 12 });
    for (const bad of ['log:', 'log:short:1', `log:${ALICE}:01`, `log:${ALICE}:-1`, `log:${ALICE}`, 'members']) {
      expect(parseShardName(bad)).toBeNull();
    }
  });

  it('a send costs the same regardless of history: it touches only the newest shard', () => {
    const doc = new Y.Doc();
    const log = new ConversationLog(doc);
    log.append(ALICE, Array.from({ length: SHARD_SIZE * 5 }, (_, i) => msg(ALICE, `m${i}`)));
    let update: Uint8Array = new Uint8Array();
    doc.once('update', (u: Uint8Array) => (update = u));
    log.append(ALICE, [msg(ALICE, 'new')]);
    const decoded = Y.decodeUpdate(update);
    expect(decoded.structs.length).toBe(1);
    expect(update.length).toBeLessThan(200);
  });
});
