/**
 * File frames are handled after the frames waiting in ordinary tasks (docs/architecture.md
 * §5.5, src/net/bulk-inbox.ts): the queue on its own, then a real mesh pair over the
 * in-memory network, where a text sent behind a run of file frames is applied before any
 * of them is handed over.
 */
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { accountHandshake } from '../../../src/client/account-handshake.js';
import { randomBytes } from '../../../src/core/bytes.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { deriveConversationKeys, type ConversationKeys } from '../../../src/core/keys.js';
import type { SyncedDoc } from '../../../src/core/synced-doc.js';
import { SENDER_BYTE_BUDGET } from '../../../src/core/files/file-ref.js';
import { BulkInbox, type Later } from '../../../src/net/bulk-inbox.js';
import { decodeFileFrame, fileFramePieces } from '../../../src/net/files/file-frames.js';
import { Mesh } from '../../../src/net/mesh.js';
import { MemorySignalingHub, MemoryWebRtc } from '../../helpers/memory-signaling.js';
import { memberDoc, say, testAccount, texts } from '../../helpers/signed-docs.js';

/** A `Later` that holds tasks until the test runs them. */
function heldTasks(): { later: Later; tasks: Array<() => void>; runAll(): void } {
  const tasks: Array<() => void> = [];
  return {
    later: (task) => void tasks.push(task),
    tasks,
    runAll() {
      while (tasks.length > 0) tasks.shift()!();
    },
  };
}

describe('bulk inbox', () => {
  it('tells a sender with more than its cap of bytes waiting once, and queues none of its frames past it; others are unaffected', () => {
    const held = heldTasks();
    const inbox = new BulkInbox(() => undefined, held.later);
    const greedy = {};
    const honest = {};
    const overflows: string[] = [];
    const ran: string[] = [];
    const frame = 1024 * 1024;
    for (let i = 0; i < SENDER_BYTE_BUDGET / frame + 2; i++) inbox.push(() => ran.push('greedy'), { from: greedy, bytes: frame, overflow: () => overflows.push('greedy') });
    inbox.push(() => ran.push('honest'), { from: honest, bytes: frame, overflow: () => overflows.push('honest') });
    expect(overflows).toEqual(['greedy']);
    expect(inbox.waitingFrom(honest)).toBe(frame);
    held.runAll();
    // The greedy sender's frames queued before the overflow are not handled: its link is being dropped.
    expect(ran).toEqual(['honest']);
    expect(inbox.waitingFrom(honest)).toBe(0);
    expect(inbox.waitingFrom(greedy)).toBe(0);
  });

  it('handles nothing when pushed, then everything in order once its task runs', () => {
    const held = heldTasks();
    const inbox = new BulkInbox(() => undefined, held.later);
    const ran: number[] = [];
    for (let i = 0; i < 5; i++) inbox.push(() => ran.push(i));
    expect(ran).toEqual([]);
    // One task is scheduled for the whole run, not one per frame.
    expect(held.tasks.length).toBe(1);
    held.runAll();
    expect(ran).toEqual([0, 1, 2, 3, 4]);
    expect(inbox.size).toBe(0);
  });

  it('yields after a slice of time and goes on in a task of its own', () => {
    const held = heldTasks();
    let clock = 0;
    const inbox = new BulkInbox(() => undefined, held.later, () => clock);
    const ran: number[] = [];
    // Each handler takes 2 ms: a 4 ms slice handles two, then schedules the rest.
    for (let i = 0; i < 5; i++) inbox.push(() => ((clock += 2), ran.push(i)));
    held.tasks.shift()!();
    expect(ran).toEqual([0, 1]);
    expect(held.tasks.length).toBe(1);
    held.runAll();
    expect(ran).toEqual([0, 1, 2, 3, 4]);
  });

  it('a handler that throws is reported and the frames after it are still handled', () => {
    const held = heldTasks();
    const failures: unknown[] = [];
    const inbox = new BulkInbox((error) => failures.push(error), held.later);
    const ran: string[] = [];
    inbox.push(() => ran.push('a'));
    inbox.push(() => {
      throw new Error('bad frame');
    });
    inbox.push(() => ran.push('c'));
    held.runAll();
    expect(ran).toEqual(['a', 'c']);
    expect(failures.map((e) => (e as Error).message)).toEqual(['bad frame']);
  });

  it('close drops what waits and refuses what comes after', () => {
    const held = heldTasks();
    const inbox = new BulkInbox(() => undefined, held.later);
    const ran: number[] = [];
    inbox.push(() => ran.push(1));
    inbox.close();
    inbox.push(() => ran.push(2));
    held.runAll();
    expect(ran).toEqual([]);
  });
});

describe('mesh: file frames wait behind sync frames', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  async function member(hub: MemorySignalingHub, net: MemoryWebRtc, keys: ConversationKeys, name: string, later?: Later): Promise<{ mesh: Mesh; doc: SyncedDoc }> {
    const account = await testAccount(name);
    const mesh = new Mesh({ signaling: hub.port().connect(), createTransport: net.factory, handshake: accountHandshake(() => account, new VerifyKeyCache()), reannounceMs: 300, connectTimeoutMs: 3_000, relay: false, ...(later ? { later } : {}) }).start();
    cleanup.push(() => mesh.destroy());
    const doc = await memberDoc(account);
    const awareness = new Awareness(new Y.Doc());
    awareness.setLocalState({ device: account.device.id, name });
    mesh.addRoom(keys.topic, keys, doc.doc, awareness, doc.policy);
    return { mesh, doc };
  }

  async function waitFor(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('a text sent after file frames is applied before any of them is handed over, and they follow in order', async () => {
    const hub = new MemorySignalingHub();
    const net = new MemoryWebRtc();
    const keys = await deriveConversationKeys(randomBytes(32));
    const alice = await member(hub, net, keys, 'Alice');
    const held = heldTasks();
    const bob = await member(hub, net, keys, 'Bob', held.later);
    const handed: number[][] = [];
    bob.mesh.on('file', (_room, _link, frame) => {
      const decoded = decodeFileFrame(frame.kind, frame.payload);
      if (decoded.type === 'get') handed.push([...decoded.indices]);
    });
    await waitFor(() => alice.mesh.roomLinks(keys.topic).length === 1 && bob.mesh.roomLinks(keys.topic).length === 1, 'a link');

    // File requests travel in the sync lane, so they leave before the text, in order.
    const link = alice.mesh.roomLinks(keys.topic)[0]!;
    const doc = alice.mesh.room(keys.topic)!.docId;
    for (let i = 0; i < 3; i++) link.send({ doc, ...fileFramePieces({ type: 'get', root: 'A'.repeat(43), part: 'chunks', indices: [i] }) });
    await say(alice.doc, 'after the files');

    await waitFor(() => texts(bob.doc).includes('after the files'), 'the text on Bob');
    expect(handed).toEqual([]);
    held.runAll();
    expect(handed).toEqual([[0], [1], [2]]);
  });
});
