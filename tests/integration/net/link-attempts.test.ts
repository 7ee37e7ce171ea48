/**
 * A late signal from an earlier attempt must not reach a newer link (docs/architecture.md
 * §5.3, "Attempts"; docs/protocol.md §4). Signals reach a link by remote device and session;
 * a WebRTC answer or ICE candidate of an attempt that failed, delivered after a newer attempt
 * between the same two sessions began, used to go into the newer connection and break it.
 *
 * Two meshes on the real stack: the real server on port 0 (real `ws`), real SignalingClients,
 * real accounts, hellos and membership proofs, and @roamhq/wrtc data channels; no relay, so a
 * broken direct path cannot hide behind one. The late signals are what the sender's mesh
 * published in the first attempt, sealed and signed again by the same device (a fresh nonce,
 * as a message that was held up, not replayed, would carry).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { accountHandshake } from '../../../src/client/account-handshake.js';
import type { SyncedDoc } from '../../../src/client/synced-doc.js';
import { randomBytes } from '../../../src/core/bytes.js';
import type { SessionId } from '../../../src/core/ids.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { deriveConversationKeys, type ConversationKeys } from '../../../src/core/keys.js';
import type { Logger } from '../../../src/core/logger.js';
import { Mesh } from '../../../src/net/mesh.js';
import { openRendezvous, sealRendezvous, type RendezvousMessage } from '../../../src/net/rendezvous/rendezvous-message.js';
import { SignalingClient, type SocketLike } from '../../../src/net/signaling-client.js';
import { SimplePeerTransport } from '../../../src/net/simple-peer-transport.js';
import type { PeerLink } from '../../../src/net/peer-link.js';
import { allQuiet, loadWrtc } from '../../../src/node/wrtc.js';
import type { Handshake } from '../../../src/net/policy.js';
import { startAppServer, type AppServer } from '../../helpers/app-server.js';
import { consoleLogger, waitUntil } from '../../helpers/node-peer.js';
import { memberDoc, say, testAccount, texts } from '../../helpers/signed-docs.js';

const wrtc = await loadWrtc(consoleLogger);

interface Side {
  readonly session: SessionId;
  readonly signaling: SignalingClient;
  readonly signer: Handshake;
  readonly mesh: Mesh;
  readonly doc: SyncedDoc;
  /** Every direct transport this side made, in order (one per link attempt). */
  readonly transports: SimplePeerTransport[];
  readonly log: string[];
  /** Runs once, with the first signal (the offer or answer) of the next transport made. */
  onNextFirstSignal: ((send: () => void) => void) | null;
}

let server: AppServer | null = null;
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server?.close();
  server = null;
});

async function side(url: string, name: string, session: string, keys: ConversationKeys): Promise<Side> {
  const account = await testAccount(name);
  const signaling = new SignalingClient({ url, relay: false, createSocket: (u) => new WebSocket(u) as unknown as SocketLike }).start();
  const signer = accountHandshake(() => account, new VerifyKeyCache());
  const log: string[] = [];
  const logger: Logger = { info: (m) => log.push(m), warn: (m) => log.push(m), error: (m) => log.push(m) };
  const transports: SimplePeerTransport[] = [];
  const pcs: Array<RTCPeerConnection | null> = [];
  const me: { onNextFirstSignal: Side['onNextFirstSignal'] } = { onNextFirstSignal: null };
  const mesh = new Mesh({
    signaling,
    handshake: signer,
    logger,
    sessionId: session as SessionId,
    relay: false,
    reannounceMs: 500,
    createTransport: ({ initiator, onSignal }) => {
      const hook = me.onNextFirstSignal;
      me.onNextFirstSignal = null;
      let first = true;
      const transport = new SimplePeerTransport({
        initiator,
        iceServers: [],
        wrtc,
        onSignal: (signal) => {
          if (hook && first) hook(() => onSignal(signal));
          else onSignal(signal);
          first = false;
        },
      });
      transports.push(transport);
      pcs.push(transport.peerConnection);
      return transport;
    },
  }).start();
  const doc = await memberDoc(account);
  const awareness = new Awareness(new Y.Doc());
  awareness.setLocalState({ device: account.device.id, name });
  mesh.addRoom(keys.topic, keys, doc.doc, awareness, doc.policy);
  cleanups.push(async () => {
    mesh.destroy();
    signaling.destroy();
    await allQuiet(pcs);
  });
  return Object.assign(me, { session: session as SessionId, signaling, signer, mesh, doc, transports, log });
}

/** Signals `from` publishes to `to` on the topic, as `to` opens them, while `until` is false. */
function captureSignals(to: Side, from: Side, keys: ConversationKeys): { readonly messages: RendezvousMessage[]; stop(): void } {
  const messages: RendezvousMessage[] = [];
  let stopped = false;
  const onMessage = (topic: string, data: unknown): void => {
    if (topic !== keys.topic) return;
    void openRendezvous(keys.signalingKey, topic, data, to.signer).then((opened) => {
      if (!stopped && opened?.message.t === 'signal' && opened.message.from === from.session) messages.push(opened.message);
    });
  };
  to.signaling.on('message', onMessage);
  return {
    messages,
    stop() {
      stopped = true;
      to.signaling.off('message', onMessage);
    },
  };
}

/**
 * Alice (the smaller session, so she initiates) and Bob link and sync once, each side's
 * signals of that first attempt recorded; then Alice ends the link, and both come back.
 */
async function firstAttemptThenBreak(): Promise<{ alice: Side; bob: Side; keys: ConversationKeys; fromAlice: RendezvousMessage[]; fromBob: RendezvousMessage[] }> {
  if (!wrtc) throw new Error('@roamhq/wrtc did not load');
  const staticDir = await mkdtemp(path.join(tmpdir(), 'parley-attempts-'));
  cleanups.push(() => rm(staticDir, { recursive: true, force: true }));
  server = await startAppServer({ staticDir });
  const keys = await deriveConversationKeys(randomBytes(32));
  const alice = await side(server.url, 'Alice', 'aaaaaaaaaaaaaaaa', keys);
  const bob = await side(server.url, 'Bob', 'zzzzzzzzzzzzzzzz', keys);
  const fromAlice = captureSignals(bob, alice, keys);
  const fromBob = captureSignals(alice, bob, keys);
  await say(alice.doc, 'first attempt');
  await waitUntil(() => texts(bob.doc).includes('first attempt'), 'the first link to sync', 20_000);
  // Candidates may trickle in after the link opened; they belong to this attempt too.
  await new Promise((r) => setTimeout(r, 500));
  fromAlice.stop();
  fromBob.stop();
  expect(fromBob.messages.map((m) => (m.t === 'signal' ? (m.signal as { type?: string }).type : m.t))).toContain('answer');
  expect(fromAlice.messages.length).toBeGreaterThan(1);
  return { alice, bob, keys, fromAlice: fromAlice.messages, fromBob: fromBob.messages };
}

const sealAll = (keys: ConversationKeys, signer: Handshake, messages: readonly RendezvousMessage[]): Promise<string[]> =>
  Promise.all(messages.map(async (m) => (await sealRendezvous(keys.signalingKey, keys.topic, m, signer))!));

const settled = (link: PeerLink): Promise<void> => waitUntil(() => link.isOpen || link.isClosed, 'the second link to open or fail', 20_000);

describe('a late signal from an earlier attempt', () => {
  it('does not reach the newer link on the initiating side: its answer and candidates are dropped, the new link opens and syncs', async () => {
    const { alice, bob, keys, fromBob } = await firstAttemptThenBreak();
    const late = await sealAll(keys, bob.signer, fromBob);
    let second: PeerLink | null = null;
    // Right after Alice's second offer goes out, Bob's answer and candidates of the first
    // attempt reach her: published on Bob's socket before he can have answered the new offer.
    alice.onNextFirstSignal = (send) => {
      send();
      second = alice.mesh.links()[0]!.link;
      for (const data of late) bob.signaling.publish(keys.topic, data);
    };
    alice.mesh.links()[0]!.link.close();
    await waitUntil(() => second !== null, 'Alice to start a second attempt', 20_000);
    await settled(second!);
    expect(second!.isOpen).toBe(true);
    await say(bob.doc, 'second attempt');
    await waitUntil(() => texts(alice.doc).includes('second attempt'), 'the second link to sync', 20_000);
    expect(alice.mesh.links().map((l) => l.link)).toEqual([second]);
    expect(alice.transports.length).toBe(2);
    expect(alice.log.filter((l) => l.startsWith('dropping peer'))).toEqual([]);
    expect(alice.log.some((l) => l.startsWith('signal of another attempt dropped: answer'))).toBe(true);
  });

  it('does not break the newer link on the answering side: a late offer starts a link the new offer replaces, its answer is dropped', async () => {
    const { alice, bob, keys, fromAlice } = await firstAttemptThenBreak();
    const late = await sealAll(keys, alice.signer, fromAlice);
    let second: PeerLink | null = null;
    // Alice's offer and candidates of the first attempt go out on her socket just before her
    // second offer: Bob, whose first link is gone, gets them first and answers the old offer.
    alice.onNextFirstSignal = (send) => {
      for (const data of late) alice.signaling.publish(keys.topic, data);
      send();
      second = alice.mesh.links()[0]!.link;
    };
    const first = bob.mesh.links()[0]!.link;
    alice.mesh.links()[0]!.link.close();
    await waitUntil(() => first.isClosed, 'Bob to see the first link end', 20_000);
    await waitUntil(() => second !== null, 'Alice to start a second attempt', 20_000);
    await settled(second!);
    expect(second!.isOpen).toBe(true);
    await say(alice.doc, 'second attempt');
    await waitUntil(() => texts(bob.doc).includes('second attempt'), 'the second link to sync', 20_000);
    expect(alice.mesh.links().map((l) => l.link)).toEqual([second]);
    expect(alice.transports.length).toBe(2);
    // Bob answered the late offer on a link of its own, which Alice's new offer replaced;
    // Alice dropped that answer.
    expect(bob.transports.length).toBe(3);
    expect(bob.log).toContain('link ended: superseded: the remote started another attempt');
    expect(alice.log.some((l) => l.startsWith('signal of another attempt dropped: answer'))).toBe(true);
    expect([alice.log, bob.log].map((log) => log.filter((l) => l.startsWith('dropping peer')))).toEqual([[], []]);
  });
});
