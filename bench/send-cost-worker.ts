/**
 * One send-cost measurement in a fresh process (a clean heap per configuration; 1M-message
 * docs need several GB): `send-cost-worker.ts <parley|y-array> <messages> <samples>`.
 * Prints one JSON line with the timings.
 *
 * Each doc is built quickly in batches, encoded, and loaded into a fresh Y.Doc, as an app
 * loads it from storage (so no search markers or caches from the build survive). Then one
 * message at a time is sent the way each model sends it, with an 'update' listener attached
 * so Yjs encodes every transaction's update, as peers and storage receive it.
 */
import * as Y from 'yjs';
import { ConversationLog } from '../src/core/conversation.js';
import { DocWriter } from '../src/core/doc-writer.js';
import { createEvent, type ConversationEvent, type UnsignedEvent } from '../src/core/events.js';
import type { DeviceId } from '../src/core/ids.js';
import { createDeviceKeys, type DeviceKeys } from '../src/core/identity/keys.js';
import { Timeline } from '../src/core/timeline.js';

const BATCH = 1000;
/**
 * V8 needs thousands of calls to fully optimise the send path; without warming up, the
 * 10k case (little work before measuring) looked 2–3× slower than the 1M case, whose long
 * build had warmed the same functions. So every run first sends on a throwaway 10k doc,
 * then a few sends on the measured doc before timing.
 */
const JIT_WARMUP_SENDS = 3000;
const WARMUP = 200;
const T0 = Date.UTC(2026, 0, 1);
/**
 * The history is built without signing a million events (minutes of Ed25519): its events
 * carry well-formed placeholder hashes and signatures of the real lengths. Nothing on the
 * measured local send path verifies them; the measured sends themselves are really signed.
 */
const PLACEHOLDER_PREV = 'p'.repeat(43);
const PLACEHOLDER_SIG = 's'.repeat(86);

interface Devices {
  readonly alice: DeviceKeys;
  readonly bob: DeviceKeys;
}

/** A seeded message as it sits in a doc: placed at (c, k) and (placeholder-)signed. */
const seeded = (i: number, author: DeviceId, c: number, k: number): ConversationEvent =>
  ({ id: `seed${i.toString(36).padStart(8, '0')}`, kind: 'message', author, at: T0 + i, text: `message ${i + 1}`, c, k, prev: PLACEHOLDER_PREV, sig: PLACEHOLDER_SIG }) as ConversationEvent;

interface Model {
  /** Prepares the next message outside the timed section. */
  prepare(i: number): unknown;
  /** One send; resolves with the part the table reports, in ms. */
  send(message: unknown): Promise<number>;
}

/**
 * Parley: per-author shards. A send is DocWriter.appendEvents — sign for the placement,
 * then ConversationLog.append, whose observer folds the event into the Timeline — and the
 * table reports the append + fold + update encoding (the part that could grow with the
 * history); the whole send including signing goes to stderr.
 */
function parley(count: number, devices: Devices): Model {
  const source = new Y.Doc({ gc: false });
  const sourceLog = new ConversationLog(source);
  const clients = new Map([
    [devices.alice.id, 1001],
    [devices.bob.id, 2002],
  ]);
  for (let i = 0, b = 0; i < count; i += BATCH, b++) {
    // Authors take turns by batch; each device writes with its own client id into its own shards.
    const author = b % 2 === 0 ? devices.alice.id : devices.bob.id;
    source.clientID = clients.get(author)!;
    const { c, k } = sourceLog.placement();
    const batch: ConversationEvent[] = [];
    for (let j = i; j < Math.min(count, i + BATCH); j++) batch.push(seeded(j, author, c, k + j - i));
    sourceLog.append(author, batch);
  }
  const doc = load(source, false);
  const log = new ConversationLog(doc);
  const timeline = new Timeline();
  timeline.add(log.readAll());
  log.observe((events) => timeline.add(events));
  doc.on('update', keepUpdate);
  // Time the synchronous append inside the writer's send.
  let appendMs = 0;
  const append = log.append.bind(log);
  log.append = (...args) => {
    const start = performance.now();
    const ids = append(...args);
    appendMs = performance.now() - start;
    return ids;
  };
  const writer = new DocWriter(log, { device: devices.alice.id, public: devices.alice.public, signPrivate: devices.alice.signPrivate });
  return {
    prepare: (i) => createEvent({ kind: 'message', text: `send ${i}` }, devices.alice.id, T0 + count + i),
    async send(event) {
      await writer.appendEvents([event as UnsignedEvent], 'bench');
      return appendMs;
    },
  };
}

/**
 * The y-webrtc demo model: one Y.Array, `push` per message. Built as a real chat history
 * is: one item per message, authors alternating, so Yjs cannot merge neighbouring items
 * into one (a doc of a few huge items would hide the per-item cost of `push`).
 */
function yArray(count: number, devices: Devices): Model {
  const source = new Y.Doc();
  const sourceArray = source.getArray<ConversationEvent>('messages');
  for (let i = 0; i < count; i += BATCH) {
    source.transact(() => {
      for (let j = i; j < Math.min(count, i + BATCH); j++) {
        const alice = j % 2 === 0;
        source.clientID = alice ? 1001 : 2002;
        sourceArray.insert(sourceArray.length, [seeded(j, alice ? devices.alice.id : devices.bob.id, 0, 0)]);
      }
    });
  }
  const doc = load(source, true);
  const messages = doc.getArray<ConversationEvent>('messages');
  doc.on('update', keepUpdate);
  return {
    // The same message objects as Parley's, signature fields included, for equal sizes.
    prepare: (i) => seeded(count + i, devices.alice.id, 0, 0),
    async send(message) {
      const start = performance.now();
      messages.push([message as ConversationEvent]);
      return performance.now() - start;
    },
  };
}

/** Loads the built doc into a fresh one, as the app does at start-up. */
function load(source: Y.Doc, gc: boolean): Y.Doc {
  const update = Y.encodeStateAsUpdate(source);
  source.destroy();
  const doc = new Y.Doc({ gc });
  Y.applyUpdate(doc, update);
  return doc;
}

/** Holding the last update keeps the encoding from being optimised away. */
let lastUpdate: Uint8Array | null = null;
const keepUpdate = (update: Uint8Array): void => {
  lastUpdate = update;
};

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function main(): Promise<void> {
  const [system, countText, samplesText] = process.argv.slice(2);
  const count = Number(countText);
  const samples = Number(samplesText);
  if (!Number.isInteger(count) || !Number.isInteger(samples)) throw new Error('usage: send-cost-worker.ts <parley|y-array> <messages> <samples>');
  const build = system === 'parley' ? parley : system === 'y-array' ? yArray : null;
  if (!build) throw new Error(`unknown model ${system}`);
  const devices: Devices = { alice: await createDeviceKeys(), bob: await createDeviceKeys() };

  const warm = build(10_000, devices);
  for (let i = 0; i < JIT_WARMUP_SENDS; i++) await warm.send(warm.prepare(i));

  const builtAt = performance.now();
  const model = build(count, devices);
  const buildMs = performance.now() - builtAt;
  (globalThis as { gc?: () => void }).gc?.();

  const parts: number[] = [];
  const wholes: number[] = [];
  for (let i = 0; i < WARMUP + samples; i++) {
    const message = model.prepare(i);
    const start = performance.now();
    const part = await model.send(message);
    const whole = performance.now() - start;
    if (i < WARMUP) continue;
    parts.push(part);
    wholes.push(whole);
  }
  if (lastUpdate === null) throw new Error('no update was encoded');
  parts.sort((a, b) => a - b);
  wholes.sort((a, b) => a - b);
  const result = {
    system,
    count,
    samples,
    medianMs: quantile(parts, 0.5),
    p90Ms: quantile(parts, 0.9),
    wholeMedianMs: quantile(wholes, 0.5),
    buildMs,
    heapMB: process.memoryUsage().heapUsed / 2 ** 20,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
