/**
 * A member can make a peer queue unbounded memory (docs/architecture.md §1.3: a bad frame "never
 * crashes a process"; §5.6 now caps step-1 requests). Every sync step 1 — a few bytes — is answered with a full
 * `encodeStateAsUpdate` of the document, queued on the link without limit; a member that
 * sends many and reads nothing makes the peer hold one copy of its whole history per
 * request, until the tab runs out of memory.
 *
 * Real signed document, real RoomSync and PeerLink; the transport is the manual-flush
 * memory pair, so "Mallory never reads" is exact.
 */
import { Awareness } from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { createEvent } from '../../../src/core/events.js';
import type { Topic } from '../../../src/core/ids.js';
import { FrameKinds } from '../../../src/net/framing.js';
import { PeerLink } from '../../../src/net/peer-link.js';
import { RoomSync } from '../../../src/net/room-sync.js';
import { transportPair } from '../../helpers/memory-transport.js';
import { memberDoc, testAccount, tick } from '../../helpers/signed-docs.js';

const TOPIC = '0123456789abcdef0123456789abcdef' as Topic;

describe('sync step 1 from a hostile member', () => {
  it('cannot make a peer queue a copy of its whole history per request', async () => {
    const alice = await memberDoc(await testAccount('Alice'));
    const mallory = await testAccount('Mallory');
    const me = alice.account.device.id;
    await alice.writer.appendEvents(Array.from({ length: 300 }, (_, i) => createEvent({ kind: 'message', text: `message ${i} ${'x'.repeat(900)}` }, me, tick())), null);
    const stateBytes = Y.encodeStateAsUpdate(alice.doc).length;

    const [toAlice, toMallory] = transportPair();
    const link = new PeerLink(toAlice);
    link.identify({ device: mallory.device.id, identity: mallory.identity.sign, cert: mallory.cert });
    const violations: string[] = [];
    const awareness = new Awareness(new Y.Doc());
    const room = new RoomSync(TOPIC, alice.doc, awareness, alice.policy, (_link, violation) => {
      violations.push(violation.detail ?? violation.reason);
      link.close(violation.reason, violation.detail);
    });
    link.on('frame', (frame) => void room.handle(link, frame));
    const malloryLink = new PeerLink(toMallory);
    toAlice.open();
    room.attach(link);

    // 200 requests of 19 bytes each; Mallory never reads what Alice sends back.
    const step1 = encoding.createEncoder();
    encoding.writeVarUint(step1, 0);
    encoding.writeVarUint8Array(step1, Y.encodeStateVector(new Y.Doc()));
    for (let i = 0; i < 200; i++) malloryLink.send({ kind: FrameKinds.sync, doc: room.docId, payload: encoding.toUint8Array(step1) });
    toAlice.flush();

    const queued = link.isOpen ? link.pendingBytes : 0;
    console.log(`history ${(stateBytes / 1024).toFixed(0)} KiB; after 200 step-1 requests Alice holds ${(queued / 1024 / 1024).toFixed(1)} MiB for Mallory (link ${link.isOpen ? 'open' : 'closed'})`);
    room.destroy();
    awareness.destroy();
    // Either the requests are answered sparingly or the link is dropped: a handful of
    // copies at most, not one per request.
    expect(queued).toBeLessThanOrEqual(4 * 1024 * 1024 + 4 * stateBytes);
  });
});
