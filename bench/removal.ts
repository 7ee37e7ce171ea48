/**
 * Row group: removing a member (docs/architecture.md §4.4), with Node peers (the app's
 * headless composition root, real WebRTC via @roamhq/wrtc) against a server child process.
 *
 * A group of 20 members: an admin removes one; the clock runs from the call to Remove
 * until every remaining device is on the new epoch, and bytes are counted until they have
 * also met again there (every link joined the room on the new topic). Baseline: the same
 * removal in a group of 5, in the same run, to show how cost grows with the group (and one of
 * 10, in the note).
 *
 * Bytes are what the devices hand to the network: data-channel frames (the record's sync,
 * join proofs, sync steps, presence, acknowledgements), mailbox appends and signaling
 * publishes, counted by wrapping those three send paths in this process.
 */
import { readFileSync } from 'node:fs';
import { FrameKinds, frameLength, type FrameToSend } from '../src/net/framing.js';
import { MailboxClient } from '../src/net/mailbox-client.js';
import { PeerLink } from '../src/net/peer-link.js';
import { SignalingClient } from '../src/net/signaling-client.js';
import type { ConversationSession } from '../src/client/conversation-session.js';
import { joinApproved, NodePeer } from '../tests/helpers/node-peer.js';
import { ServerProcess } from '../tests/helpers/server-process.js';
import { heldConnections } from '../src/node/wrtc.js';
import { DescriptorBudget, descriptorKinds, describeDescriptors } from './descriptors.js';
import type { BenchGroup } from './group.js';
import { progress } from './log.js';
import { formatBytes, formatMs, formatRatio, sleep } from './stats.js';
import type { Row } from './table.js';
import { udpOnly } from './udp-only.js';

const LARGE = 20;
const SMALL = 5;
/** A middle size, reported in the note, so the growth between the two ends can be seen. */
const MIDDLE = 10;

/** Bytes handed to the network by every peer in this process, by path. */
const sent = { frames: 0, mailbox: 0, signaling: 0 };
/** Data-channel bytes by frame kind (sync updates split from sync steps), for the progress log. */
const frameBytes = new Map<string, number>();
const KIND_NAMES = new Map<number, string>(Object.entries(FrameKinds).map(([name, kind]) => [kind, name]));

function frameLabel(frame: FrameToSend): string {
  const name = KIND_NAMES.get(frame.kind) ?? String(frame.kind);
  return frame.kind === FrameKinds.sync ? `${name}-${firstByte(frame) === 2 ? 'update' : 'step'}` : name;
}
const firstByte = (frame: FrameToSend): number | undefined => (frame.payload instanceof Uint8Array ? frame.payload[0] : frame.payload[0]?.[0]);
let counting = false;

function instrument(): () => void {
  const send = PeerLink.prototype.send;
  const append = MailboxClient.prototype.append;
  const publish = SignalingClient.prototype.publish;
  PeerLink.prototype.send = function (this: PeerLink, frame) {
    if (counting) {
      const bytes = frameLength(frame);
      sent.frames += bytes;
      frameBytes.set(frameLabel(frame), (frameBytes.get(frameLabel(frame)) ?? 0) + bytes);
    }
    return send.call(this, frame);
  };
  MailboxClient.prototype.append = function (this: MailboxClient, ...args) {
    if (counting) sent.mailbox += args[2].length;
    return append.apply(this, args);
  };
  SignalingClient.prototype.publish = function (this: SignalingClient, topic, data) {
    if (counting) sent.signaling += JSON.stringify({ type: 'publish', topic, data }).length;
    return publish.call(this, topic, data);
  };
  return () => {
    PeerLink.prototype.send = send;
    MailboxClient.prototype.append = append;
    SignalingClient.prototype.publish = publish;
  };
}

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** What this process holds now: descriptors by kind, WebRTC connections, threads (progress log). */
function holdings(): string {
  const d = descriptorKinds();
  let threads = '?';
  try {
    threads = /^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '?';
  } catch {
    // not Linux
  }
  return `${d ? describeDescriptors(d) : 'descriptors not counted here'}; ${heldConnections().length} WebRTC connections held; ${threads} threads`;
}

/**
 * Everyone is on the fold's current epoch, the same one, and synced with everyone else on
 * that epoch's topic: the mesh may leave the old topic a moment after the session moved
 * (it first drains what it owes there, docs/architecture.md §5.7), and until then the old
 * topic's links (the removed member gone) would pass for the new one's.
 */
const settled = (peers: readonly NodePeer[], sessions: readonly ConversationSession[]): boolean =>
  sessions.every(
    (s, i) =>
      s.epoch === s.membership.state.current?.id &&
      s.epoch === sessions[0]!.epoch &&
      peers[i]!.mesh.room(s.id)?.topic === s.keys.topic &&
      s.peerCount === sessions.length - 1,
  );

interface Removal {
  readonly ms: number;
  /** From Remove until the remaining devices have met again on the new epoch's topic. */
  readonly metMs: number;
  readonly bytes: number;
  readonly recordBytes: number;
}

/** Stops the group with a reason before this process runs out of descriptors (descriptors.ts). */
const budget = new DescriptorBudget();

/** Builds a group of `size` members (one join at a time), then times one removal. */
async function removal(url: string, size: number): Promise<Removal> {
  const peers: NodePeer[] = [];
  try {
    const registering = Promise.all(Array.from({ length: size }, (_, i) => NodePeer.register({ serverUrl: url, name: `Member ${i}`, mailbox: true }).then((p) => void peers.push(p))));
    await budget.during(registering, `registering ${size} members`);
    return await budget.during(measure(peers, size), `building a group of ${size} and removing one`);
  } finally {
    counting = false;
    await Promise.all(peers.map((p) => p.destroy()));
    progress(`removal: ${size} members destroyed: ${holdings()}`);
  }
}

async function measure(peers: readonly NodePeer[], size: number): Promise<Removal> {
  const sessions = [await peers[0]!.client.createConversation('Bench')];
  for (const peer of peers.slice(1)) {
    // Approved by the admin: only it writes each add (no burst of sibling adds).
    sessions.push(await joinApproved(sessions[0]!, peer));
    await until(() => settled(peers, sessions), `${sessions.length} members to settle`, 120_000);
    if (sessions.length % 5 === 0) progress(`removal: ${sessions.length} of ${size} members: ${holdings()}`);
  }
  progress(`removal: ${size} members in one epoch`);
  const [admin] = sessions;
  const removed = sessions.at(-1)!;
  const remaining = sessions.slice(0, -1);
  const before = admin!.epoch;
  sent.frames = sent.mailbox = sent.signaling = 0;
  frameBytes.clear();
  counting = true;
  const start = performance.now();
  const record = await admin!.changes.remove(peers.at(-1)!.account.identity.sign);
  await until(() => remaining.every((s) => s.epoch !== before && s.epoch === record.id), 'every remaining device on the new epoch', 60_000);
  const ms = performance.now() - start;
  await until(() => settled(peers, remaining), 'the remaining devices to meet again', 60_000);
  const metMs = performance.now() - start;
  counting = false;
  const parts = [...frameBytes].map(([label, bytes]) => `${label} ${formatBytes(bytes / (size - 1))}`);
  progress(`removal: ${size} members, per remaining device: ${parts.join(', ')}, mailbox ${formatBytes(sent.mailbox / (size - 1))}, signaling ${formatBytes(sent.signaling / (size - 1))}`);
  if (removed.epochSecret(record.id) !== null) throw new Error('the removed member holds the new secret');
  return { ms, metMs, bytes: sent.frames + sent.mailbox + sent.signaling, recordBytes: JSON.stringify(record).length };
}

export const removalGroup: BenchGroup = {
  name: 'removal',
  rows: [
    { metric: `Remove → every remaining device on the new epoch, ${LARGE} members`, goal: 'under 2 s on loopback' },
    { metric: `Bytes sent for a removal, ${LARGE} members, per remaining device`, goal: 'O(members)' },
    { metric: `Size of the removal's epoch record, ${LARGE} members`, goal: 'O(members)' },
  ],
  needsApp: true,
  needsQuiet: true,
  timeoutMs: 480_000,
  async run(ctx): Promise<Row[]> {
    // Every device of the run comes from one address, and each membership change opens a new
    // epoch mailbox per device: the server's per-address limit on new mailboxes (meant for one
    // person's devices) would refuse the hand-overs of the 20-member group being built.
    const server = await ServerProcess.start(ctx.appDir, { env: { MAILBOX_NEW_PER_MINUTE: '6000' } });
    ctx.defer(() => server.stop());
    ctx.defer(instrument());
    // The whole mesh's connections, both ends of each, are this process's (udp-only.ts).
    ctx.defer(udpOnly());
    // Warm-up (wrtc loading, the JIT): a small round not counted.
    progress(`removal: before: ${holdings()}`);
    progress('removal: warm-up');
    await removal(server.url, 3);
    progress(`removal: ${SMALL} members`);
    const small = await removal(server.url, SMALL);
    progress(`removal: ${MIDDLE} members`);
    const middle = await removal(server.url, MIDDLE);
    progress(`removal: ${LARGE} members`);
    const large = await removal(server.url, LARGE);
    const perDevice = (r: Removal, size: number): number => r.bytes / (size - 1);
    const measured: Array<[Removal, number]> = [
      [small, SMALL],
      [middle, MIDDLE],
      [large, LARGE],
    ];
    progress(`removal: bytes per remaining device ${measured.map(([r, n]) => `${n} members ${formatBytes(perDevice(r, n))}`).join(', ')}`);
    const baseline = `same in a group of ${SMALL}`;
    // Linear growth: per remaining device the bytes grow with the group (each device
    // re-joins the room with every other on the new topic), at most in proportion to it.
    const linear = (a: number, b: number): boolean => a / b <= ((LARGE - 1) / (SMALL - 1)) * 1.25;
    return [
      {
        metric: removalGroup.rows[0]!.metric,
        parley: formatMs(large.ms),
        baseline: `${formatMs(small.ms)} (${baseline})`,
        ratio: formatRatio(large.ms, small.ms),
        goal: removalGroup.rows[0]!.goal,
        met: large.ms < 2_000,
        note: `Node peers (real WebRTC, UDP candidates only: all 380 connections of the mesh of ${LARGE}, both ends of each, are in the bench's process) and a server child process on loopback; one admin removes one member; the clock stops when every remaining device has moved to the new epoch (all had met again on its topic after ${formatMs(large.metMs)}; ${formatMs(small.metMs)} in a group of ${SMALL}). The baseline is the same removal in a group of ${SMALL}, measured in the same run.`,
      },
      {
        metric: removalGroup.rows[1]!.metric,
        parley: formatBytes(perDevice(large, LARGE)),
        baseline: `${formatBytes(perDevice(small, SMALL))} (${baseline})`,
        ratio: formatRatio(perDevice(large, LARGE), perDevice(small, SMALL)),
        goal: removalGroup.rows[1]!.goal,
        met: linear(perDevice(large, LARGE), perDevice(small, SMALL)),
        note: `Every byte the devices hand to the network from Remove until the remaining devices have met again on the new topic: data-channel frames (the record, join proofs, sync steps, presence, acks), mailbox appends and signaling publishes; divided by the remaining devices (${MIDDLE} members: ${formatBytes(perDevice(middle, MIDDLE))}). Met when it grows at most in proportion to the group (${LARGE - 1}/${SMALL - 1} × 1.25): in a full mesh each device re-joins the room with every other, so the total is O(members²) and each device's share O(members).`,
      },
      {
        metric: removalGroup.rows[2]!.metric,
        parley: formatBytes(large.recordBytes),
        baseline: `${formatBytes(small.recordBytes)} (${baseline})`,
        ratio: formatRatio(large.recordBytes, small.recordBytes),
        goal: removalGroup.rows[2]!.goal,
        met: linear(large.recordBytes, small.recordBytes),
        note: 'The signed epoch record as JSON: one sealed share of the new secret per remaining device, plus the cutoffs of the removed member.',
      },
    ];
  },
};
