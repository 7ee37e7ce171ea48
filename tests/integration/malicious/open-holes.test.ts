/**
 * Holes a member can still use against real browsers, and two races that make honest
 * peers drop each other (docs/architecture.md §1.3, §3, §5). Each test states the behaviour the
 * product must have; they fail until src/ is fixed. The unit-level reproductions, and
 * holes that are only reachable with a lucky sync order end to end (an event id reused to
 * hide someone's message from late joiners), are in tests/unit/fuzz/crafted-updates.test.ts.
 *
 * Stage as in hostile-member.test.ts: Alice and Bob in Chromium, Mallory a Node peer who
 * joined by the invite.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_ORIGIN } from '../../../src/client/synced-doc.js';
import { createEvent, type UnsignedEvent } from '../../../src/core/events.js';
import { issueCertificate } from '../../../src/core/identity/certificate.js';
import type { Topic } from '../../../src/core/ids.js';
import { eventHash, signEvent, signRecord, type SignedRecord } from '../../../src/core/identity/signed.js';
import { craftUpdate, withProto } from '../../helpers/fuzz-updates.js';
import { waitUntil } from '../../helpers/node-peer.js';
import { historyOf, meet, messageTexts, openStage, presenceOf, type Scene, type Stage } from '../../helpers/node-peer-scene.js';
import type { ParleyUser } from '../../helpers/parley-user.js';

let stage: Stage;
let scene: Scene | null = null;

beforeAll(async () => {
  stage = await openStage();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await scene?.close();
  scene = null;
});

afterAll(async () => {
  await stage?.close();
});

const drops = (log: readonly string[], from = 0): string[] => log.slice(from).filter((line) => line.startsWith('parley: dropping peer:'));

/** Polls `condition` until it holds or `timeoutMs` passes; either way returns. */
async function settle(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/** The next clock a browser's copy of the conversation expects from a Yjs client. */
function clockOf(user: ParleyUser, topic: Topic, client: number): Promise<number> {
  return user.page.evaluate(
    ([id, c]) => {
      const app = document.querySelector('parley-app') as unknown as {
        client: { get(id: string): { doc: { store: { clients: Map<number, Array<{ id: { clock: number }; length: number }>> } } } };
      };
      const structs = app.client.get(id as string).doc.store.clients.get(c as number) ?? [];
      const last = structs[structs.length - 1];
      return last ? last.id.clock + last.length : 0;
    },
    [topic, client] as const,
  );
}

/**
 * What a browser's copy of the conversation holds at each clock of a Yjs client: the
 * JSON of the value there (documents keep deleted content, `gc: false`), or `other` for a
 * struct that carries no values.
 */
function valuesAt(user: ParleyUser, topic: Topic, client: number): Promise<Array<[number, string]>> {
  return user.page.evaluate(
    ([id, c]) => {
      type Struct = { id: { clock: number }; length: number; content?: { arr?: unknown[] } };
      const app = document.querySelector('parley-app') as unknown as { client: { get(id: string): { doc: { store: { clients: Map<number, Struct[]> } } } } };
      const out: Array<[number, string]> = [];
      for (const s of app.client.get(id as string).doc.store.clients.get(c as number) ?? []) {
        const arr = s.content?.arr;
        for (let i = 0; i < s.length; i++) out.push([s.id.clock + i, Array.isArray(arr) ? JSON.stringify(arr[i]) : 'other']);
      }
      return out;
    },
    [topic, client] as const,
  );
}

/**
 * Mallory writes a properly signed message with a chosen timestamp, synced the normal way.
 * Each honest peer either takes it in or refuses it (dropping Mallory); either is a fix.
 */
async function malloryWritesAt(s: Scene, at: number, text: string): Promise<void> {
  const event = { ...createEvent({ kind: 'message', text }, s.mallory.device, Date.now()), at } as UnsignedEvent;
  // Mallory holds her identity key: she certifies her device until the end of time, so her
  // far-future date is covered by a certificate (docs/architecture.md §4.8) and what is
  // tested is how the others' timelines take it.
  const me = s.mallory.account;
  me.cert = await issueCertificate({ public: me.identity, ...me.identityKeys! }, me.device.public, me.cert.created, Number.MAX_SAFE_INTEGER - me.cert.created);
  await s.mallory.session(s.topic).synced.ensureMember(me.name, me.avatar);
  const links = [s.mallory.linkTo(s.aliceDevice), s.mallory.linkTo(s.bobDevice)];
  await s.mallory.session(s.topic).synced.writer.appendEvents([event], LOCAL_ORIGIN);
  const users = [s.alice, s.bob];
  for (let i = 0; i < users.length; i++) {
    const user = users[i]!;
    await waitUntilAsync(async () => !(links[i]?.isOpen ?? false) || (await holds(user, s.topic, text)), `${user.name} to take the message in or refuse it`);
  }
}

async function waitUntilAsync(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const holds = async (user: ParleyUser, topic: Topic, text: string): Promise<boolean> => messageTexts(await historyOf(user, topic)).includes(text);

/** After an attack: Mallory leaves (no relaying), then Alice writes; Bob must receive it. */
async function aliceStillReachesBob(s: Scene, text: string): Promise<void> {
  await s.mallory.destroy();
  const bobLogged = s.bobLog.length;
  await s.alice.send(text);
  await settle(() => holds(s.bob, s.topic, text), 10_000);
  expect({ aliceHas: await holds(s.alice, s.topic, text), bobHas: await holds(s.bob, s.topic, text), bobDropped: drops(s.bobLog, bobLogged) }).toEqual({
    aliceHas: true,
    bobHas: true,
    bobDropped: [],
  });
}

// Each case first meets (node-peer-scene.ts): two browsers and Mallory connected pairwise
// in the epoch her join started (seconds; over 30 s once on a loaded CI), then the attack.
describe('honest peers connecting', { timeout: 150_000 }, () => {
  it('never drop each other while the connection is set up (join and hello ordering)', async () => {
    // Two races seen here: a mesh that attaches a room (sending sync step 1 and presence)
    // before its join frame has left, because `joinedOut` is set when the join is queued;
    // and frames that arrive between the data channel opening and simple-peer's 'connect'
    // event, which go into simple-peer's unread stream and are lost (the hello, typically).
    const nodeWarnings: string[] = [];
    vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void nodeWarnings.push(args.map(String).join(' ')));
    scene = await meet(stage);
    expect({ alice: drops(scene.aliceLog), bob: drops(scene.bobLog), node: drops(nodeWarnings) }).toEqual({ alice: [], bob: [], node: [] });
  });
});

describe('a member cannot', { timeout: 150_000 }, () => {
  it('stop everyone else from sending with a message stamped at Number.MAX_SAFE_INTEGER', async () => {
    // nextTimestamp keeps local time after the newest event seen; one step past 2^53 - 1 is
    // no longer a safe integer, and createEvent refuses every new event.
    scene = await meet(stage);
    await malloryWritesAt(scene, Number.MAX_SAFE_INTEGER, 'from the end of time');
    await aliceStillReachesBob(scene, 'Can anyone still hear me?');
  });

  it("break everyone's message list with a message stamped past the last valid Date", async () => {
    // 8.64e15 ms is the largest time a Date can hold; one more is still a safe integer and a
    // well-formed event, but formatting its time throws while the list renders.
    scene = await meet(stage);
    const pageErrors: string[] = [];
    for (const user of [scene.alice, scene.bob]) user.page.on('pageerror', (error) => pageErrors.push(`${user.name}: ${error.message}`));
    await malloryWritesAt(scene, 8.64e15 + 1, 'from after the end of dates');
    await scene.bob.send('Is the list still there?');
    await scene.alice.waitForMessage('Is the list still there?', 10_000).catch(() => undefined);
    expect({ rendered: await scene.alice.messageRow('Is the list still there?').isVisible(), pageErrors }).toEqual({ rendered: true, pageErrors: [] });
  });

  it("split Alice from Bob with a field hidden in a value's prototype", async () => {
    // {"__proto__": {"text": …}} decodes to an object whose prototype holds `text`: Alice's
    // checks see a message, her signature check and every re-encoding do not. Alice then
    // relays the event without its text, which Bob rightly refuses — from Alice.
    scene = await meet(stage);
    const { mallory, topic, aliceDevice } = scene;
    const session = mallory.session(topic);
    const me = mallory.device;
    const link = mallory.linkTo(aliceDevice)!;
    const place = session.synced.writer.placement();
    const draft = createEvent({ kind: 'message', text: 'x' }, me, Date.now()) as Record<string, unknown>;
    delete draft.text;
    const signed = await signEvent(draft as unknown as UnsignedEvent, place, eventHash(session.synced.log.lastEvent(me)!), session.synced.account.device.signPrivate);
    const update = craftUpdate([
      { client: place.c, clock: place.k, structs: [{ kind: 'item', origin: { client: place.c, clock: place.k - 1 }, values: [withProto(signed as unknown as Record<string, unknown>, { text: 'a ghost only Alice sees' })] }] },
    ]);
    mallory.sendUpdate(link, topic, update);
    // Alice either drops Mallory or takes the event in.
    await settle(async () => !link.isOpen || messageTexts(await historyOf(scene!.alice, topic)).includes('a ghost only Alice sees'), 5_000);

    await aliceStillReachesBob(scene, 'Alice, after the ghost');
  });

  it("write under Alice's Yjs client id (and so squat the clocks her next messages need)", async () => {
    // A revocation record is signed by an identity, yet its `by` decides which device the
    // Yjs client id belongs to. Mallory's identity revokes her own device in records placed
    // at Alice's next clocks, sent to Bob only. Whatever Alice writes at those clocks while
    // Bob has not relayed the records back to her is then "already known" to Bob, and lost.
    scene = await meet(stage);
    const { mallory, topic, aliceDevice, bobDevice, alice, bob } = scene;
    const session = mallory.session(topic);
    const account = session.synced.account;
    const doc = session.doc;
    const aliceClient = [...doc.store.clients.keys()].find((client) => session.synced.directory.clientOwner(client) === aliceDevice)!;
    // Alice still writes on her own after `meet` (her receipt record is rewritten once more
    // at the end of a 30 s spell, receipts.ts): the clocks aimed at are those past what
    // both Mallory and Bob hold of her once they agree.
    let next = -1;
    await waitUntilAsync(async () => (next = Y.getState(doc.store, aliceClient)) === (await clockOf(bob, topic, aliceClient)), "Mallory and Bob to hold the same of Alice's writes");
    const values: SignedRecord[] = [];
    for (let i = 0; i < 5; i++) {
      const body = { type: 'revocation', by: aliceDevice, at: Date.now(), device: mallory.device, identity: account.identity.sign, clients: { [String(doc.clientID)]: 2 ** 40 } };
      values.push(await signRecord(body, { c: aliceClient, k: next + i, n: session.synced.log.lastEvent(aliceDevice)!.n }, account.identityKeys!.signPrivate));
    }
    const link = mallory.linkTo(bobDevice)!;
    mallory.sendUpdate(link, topic, craftUpdate([{ client: aliceClient, clock: next, structs: [{ kind: 'item', parent: 'revoked', parentSub: mallory.device, values }] }]));
    // Bob either drops Mallory or takes the records in. What Bob holds at Alice's client id
    // is compared by content, not by count: a late write of Alice's own (a receipt) may
    // legitimately take the clock past `next` meanwhile (once in CI: 10 where 9 was read).
    const forgedAtBob = async (): Promise<number[]> => (await valuesAt(bob, topic, aliceClient)).filter(([, v]) => values.some((f) => v.includes(f.sig))).map(([clock]) => clock);
    await settle(async () => !link.isOpen || (await forgedAtBob()).length > 0, 5_000);
    // Bob first: whatever of Alice's he holds, Alice held before.
    const bobHolds = await valuesAt(bob, topic, aliceClient);
    const aliceHolds = new Map(await valuesAt(alice, topic, aliceClient));
    expect({
      forgedAtBob: await forgedAtBob(),
      notAlices: bobHolds.filter(([clock, v]) => aliceHolds.get(clock) !== v).map(([clock]) => clock),
      bobReachedNext: bobHolds.length >= next,
    }).toEqual({ forgedAtBob: [], notAlices: [], bobReachedNext: true });
  });

  it("remove Bob's presence from Alice's view with a null state for Bob's client", async () => {
    // A removal (state null) skips the "presence is the link's own device" check, and the
    // first client id a link mentions becomes the one it speaks for.
    scene = await meet(stage);
    const { mallory, topic, aliceDevice, bobDevice, alice } = scene;
    const session = mallory.session(topic);
    const clientOf = (device: string): number => [...session.awareness.getStates()].find(([, s]) => (s as { device?: string }).device === device)![0];
    const bobClient = clientOf(bobDevice);
    const aliceClient = clientOf(aliceDevice);
    // Mallory goes quiet, then reconnects, so her first presence frame on the new link is
    // the forged removal.
    session.awareness.setLocalState(null);
    mallory.linkTo(aliceDevice)!.close();
    // Reconnected for good: Alice attached the new link and sent her own presence on it.
    await waitUntil(() => {
      const link = mallory.linkTo(aliceDevice);
      return link !== null && mallory.syncing(topic, link) && session.awareness.getStates().has(aliceClient);
    }, 'Mallory to reconnect to Alice', 20_000);
    const link = mallory.linkTo(aliceDevice)!;
    const clock = session.awareness.meta.get(bobClient)!.clock;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarUint(encoder, bobClient);
    encoding.writeVarUint(encoder, clock + 1);
    encoding.writeVarString(encoder, 'null');
    mallory.sendAwareness(link, topic, encoding.toUint8Array(encoder));

    const bobPresent = async (): Promise<boolean> => (await presenceOf(alice, topic)).some(([client]) => client === bobClient);
    // Alice either drops Mallory for it or applies the removal.
    const logged = scene.aliceLog.length;
    await settle(async () => drops(scene!.aliceLog, logged).some((line) => /awareness|presence/.test(line)) || !(await bobPresent()), 5_000);
    expect(await bobPresent()).toBe(true);
  });
});
