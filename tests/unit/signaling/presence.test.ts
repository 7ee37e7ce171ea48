/**
 * Opaque presence on `WS /signal` (docs/architecture.md §6.3, §6.6): sockets say which ids they stand
 * for and which they watch; watchers are told at once and on every online/offline change;
 * last-seen survives a restart; nobody hears about ids they did not ask for.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CloseCodes, MAX_PRESENCE_IDS, type PresenceState } from '../../../src/core/wire/signaling.js';
import { expectRelayWorks, SignalClient, type Frame } from '../../helpers/raw-signal-client.js';
import { waitUntil } from '../../helpers/signaling-server.js';
import { useSignalStage } from '../../helpers/signal-stage.js';

const { server, open, restart } = useSignalStage();

const newId = (): string => randomBytes(16).toString('hex');

/** Sends `presence` and waits until the server has handled it. */
async function hold(c: SignalClient, ids: readonly string[]): Promise<void> {
  c.send({ type: 'presence', ids });
  await c.roundTrip();
}

/** Sends `presence-watch` and returns the immediate answer. */
async function watch(c: SignalClient, ids: readonly string[]): Promise<PresenceState[]> {
  c.send({ type: 'presence-watch', ids });
  return ((await c.next((m) => m.type === 'presence-state')).states as PresenceState[]);
}

const nextStates = async (c: SignalClient): Promise<PresenceState[]> => (await c.next((m) => m.type === 'presence-state')).states as PresenceState[];

describe('presence', () => {
  it('a watcher sees an id go online, then offline with its last-seen time', async () => {
    const s = await server();
    const id = newId();
    const watcher = await open(s);
    expect(await watch(watcher, [id])).toEqual([{ id, online: false, lastSeen: null }]);

    const device = await open(s);
    await hold(device, [id]);
    const [online] = await nextStates(watcher);
    expect(online).toMatchObject({ id, online: true });

    const before = Date.now();
    await device.close();
    const [offline] = await nextStates(watcher);
    expect(offline!.online).toBe(false);
    expect(offline!.lastSeen).toBeGreaterThanOrEqual(before);
    expect(offline!.lastSeen).toBeLessThanOrEqual(Date.now());
    // A new watcher gets the same last-seen.
    const late = await open(s);
    expect(await watch(late, [id])).toEqual([offline]);
  });

  it('reports an id that nobody holds, or ever held, as { online: false, lastSeen: null }', async () => {
    const s = await server();
    const ids = [newId(), newId()];
    expect(await watch(await open(s), ids)).toEqual(ids.map((id) => ({ id, online: false, lastSeen: null })));
  });

  it('keeps an id online while any socket holds it; `presence` replaces the previous set', async () => {
    const s = await server();
    const [shared, dropped] = [newId(), newId()];
    const watcher = await open(s);
    await watch(watcher, [shared, dropped]);
    const tab1 = await open(s);
    const tab2 = await open(s);
    await hold(tab1, [shared, dropped]);
    expect((await nextStates(watcher)).map((x) => [x.id, x.online])).toEqual([[shared, true], [dropped, true]]);
    await hold(tab2, [shared]);
    await hold(tab1, [shared]); // drops `dropped`: it goes offline; `shared` is unchanged
    expect((await nextStates(watcher)).map((x) => [x.id, x.online])).toEqual([[dropped, false]]);
    await tab1.close();
    expect((await watch(watcher, [shared]))[0]).toMatchObject({ id: shared, online: true });
    await tab2.close();
    expect((await nextStates(watcher))[0]).toMatchObject({ id: shared, online: false });
    expect(watcher.queue).toEqual([]);
  });

  it('last-seen survives a restart: for ids that went offline, and for ids still online at shutdown', async () => {
    const s = await server();
    const [left, stayed] = [newId(), newId()];
    const watcher = await open(s);
    await watch(watcher, [left]);
    const a = await open(s);
    await hold(a, [left]);
    await nextStates(watcher);
    await a.close();
    const [offline] = await nextStates(watcher);
    const b = await open(s);
    await hold(b, [stayed]);
    const beforeShutdown = Date.now();

    const t = await restart(s);
    const states = await watch(await open(t), [left, stayed]);
    expect(states[0]).toEqual(offline);
    expect(states[1]).toMatchObject({ id: stayed, online: false });
    expect(states[1]!.lastSeen).toBeGreaterThanOrEqual(beforeShutdown);
    const rows = t.server.db.prepare('SELECT * FROM presence_last_seen ORDER BY id').all() as Record<string, unknown>[];
    expect(rows.map((r) => Object.keys(r).sort())).toEqual([['id', 'last_seen'], ['id', 'last_seen']]);
  });

  it('a stranger hears only about the ids it asked for: no enumeration', async () => {
    const s = await server();
    const [asked, other1, other2] = [newId(), newId(), newId()];
    const stranger = await open(s);
    const answer = await watch(stranger, [asked]);
    expect(answer.map((x) => x.id)).toEqual([asked]);
    const busy = await open(s);
    await hold(busy, [other1, other2, asked]);
    const [online] = await nextStates(stranger);
    expect(online).toMatchObject({ id: asked, online: true });
    await hold(busy, [other1]);
    expect((await nextStates(stranger)).map((x) => x.id)).toEqual([asked]);
    await busy.close();
    await stranger.roundTrip();
    const everything = JSON.stringify(stranger.queue);
    expect(everything).not.toContain(other1);
    expect(everything).not.toContain(other2);
    // And an empty watch answers with an empty list, not with anything the server knows.
    expect(await watch(stranger, [])).toEqual([]);
  });

  it('a watch replaces the previous one: unwatched ids stop reporting', async () => {
    const s = await server();
    const [first, second] = [newId(), newId()];
    const watcher = await open(s);
    await watch(watcher, [first]);
    await watch(watcher, [second]);
    const device = await open(s);
    await hold(device, [first, second]);
    expect((await nextStates(watcher)).map((x) => x.id)).toEqual([second]);
    await watcher.roundTrip();
    expect(watcher.queue.filter((m: Frame) => m.type === 'presence-state')).toEqual([]);
  });
});

describe('presence, one id per message (presence-change)', () => {
  const change = async (c: SignalClient, id: string, what: 'hold' | 'release' | 'watch' | 'unwatch'): Promise<void> => {
    c.send({ type: 'presence-change', id, change: what });
    await c.roundTrip();
  };

  it('holds, releases and watches ids one at a time; a watch is answered for that id alone', async () => {
    const s = await server();
    const [first, second] = [newId(), newId()];
    const watcher = await open(s);
    watcher.send({ type: 'presence-change', id: first, change: 'watch' });
    expect(await nextStates(watcher)).toEqual([{ id: first, online: false, lastSeen: null }]);

    const device = await open(s);
    await change(device, first, 'hold');
    await change(device, second, 'hold');
    expect((await nextStates(watcher))[0]).toMatchObject({ id: first, online: true });
    expect(s.server.deliveryStats()).toMatchObject({ presenceOnline: 2, presenceWatches: 1 });

    await change(device, first, 'release');
    const [offline] = await nextStates(watcher);
    expect(offline).toMatchObject({ id: first, online: false });
    expect(s.server.deliveryStats().presenceOnline).toBe(1);
    // Holding what is held, or releasing what is not, changes nothing.
    await change(device, second, 'hold');
    await change(device, first, 'release');
    expect(s.server.deliveryStats().presenceOnline).toBe(1);

    await change(watcher, first, 'unwatch');
    expect(s.server.deliveryStats().presenceWatches).toBe(0);
    // A second watcher shows when the report went out; the one that unwatched gets none.
    const other = await open(s);
    other.send({ type: 'presence-change', id: first, change: 'watch' });
    expect(await nextStates(other)).toMatchObject([{ id: first, online: false }]);
    await change(device, first, 'hold');
    expect(await nextStates(other)).toMatchObject([{ id: first, online: true }]);
    await watcher.roundTrip();
    expect(watcher.queue.filter((m) => m.type === 'presence-state')).toEqual([]);
  });

  it.each([
    ['an id that is not 32 hex characters', { type: 'presence-change', id: 'alice', change: 'hold' }],
    ['an unknown change', { type: 'presence-change', id: newId(), change: 'hold-all' }],
    ['a list instead of one id', { type: 'presence-change', id: [newId()], change: 'watch' }],
  ])('%s → 4400', async (_name, frame) => {
    const s = await server();
    const bad = await open(s);
    bad.send(frame);
    expect((await bad.closed).code).toBe(CloseCodes.malformed);
    expect(s.server.deliveryStats()).toMatchObject({ presenceOnline: 0, presenceWatches: 0 });
  });

  it('every change costs a token, releases too: toggling one id past the budget closes the socket (4429)', async () => {
    const s = await server({ presenceIdBurst: 20, presenceIdsPerSecond: 1 });
    const c = await open(s);
    const id = newId();
    for (let i = 0; i < 15; i++) c.send({ type: 'presence-change', id, change: i % 2 === 0 ? 'hold' : 'release' });
    await c.roundTrip();
    for (let i = 0; i < 10; i++) c.send({ type: 'presence-change', id, change: i % 2 === 0 ? 'release' : 'hold' });
    expect((await c.closed).code).toBe(CloseCodes.rateLimited);
    await waitUntil(() => s.server.deliveryStats().presenceOnline === 0, 'its id to be released');
  });
});

describe('presence caps', () => {
  it.each([
    ['presence with more than MAX_PRESENCE_IDS ids', { type: 'presence', ids: Array.from({ length: MAX_PRESENCE_IDS + 1 }, newId) }],
    ['presence-watch with more than MAX_PRESENCE_IDS ids', { type: 'presence-watch', ids: Array.from({ length: MAX_PRESENCE_IDS + 1 }, newId) }],
    ['an id that is not 32 hex characters', { type: 'presence', ids: ['alice'] }],
    ['an upper-case id', { type: 'presence-watch', ids: [newId().toUpperCase()] }],
    ['ids that are not an array', { type: 'presence', ids: newId() }],
  ])('%s → 4400, and others keep working', async (_name, frame) => {
    const s = await server();
    const bad = await open(s);
    bad.send(frame);
    expect((await bad.closed).code).toBe(CloseCodes.malformed);
    expect(s.server.deliveryStats()).toMatchObject({ presenceOnline: 0, presenceWatches: 0 });
    await expectRelayWorks(s.wsUrl);
  });

  it('accepts exactly MAX_PRESENCE_IDS ids per set', async () => {
    const s = await server();
    const c = await open(s);
    await hold(c, Array.from({ length: MAX_PRESENCE_IDS }, newId));
    expect(s.server.deliveryStats().presenceOnline).toBe(MAX_PRESENCE_IDS);
    await c.close();
    await waitUntil(() => s.server.deliveryStats().presenceOnline === 0, 'the ids to be released');
  });

  it('closes a socket that churns through fresh ids faster than its budget (4429)', async () => {
    const s = await server({ presenceIdBurst: 50, presenceIdsPerSecond: 1 });
    const c = await open(s);
    await hold(c, Array.from({ length: 40 }, newId));
    await hold(c, Array.from({ length: 40 }, newId).slice(0, 5)); // 45 spent
    c.send({ type: 'presence', ids: Array.from({ length: 40 }, newId) });
    expect((await c.closed).code).toBe(CloseCodes.rateLimited);
    await waitUntil(() => s.server.deliveryStats().presenceOnline === 0, 'its ids to be released');
  });

  it('re-sending the same set costs nothing', async () => {
    const s = await server({ presenceIdBurst: 50, presenceIdsPerSecond: 1 });
    const c = await open(s);
    const ids = Array.from({ length: 40 }, newId);
    for (let i = 0; i < 10; i++) await hold(c, ids);
    expect(s.server.deliveryStats().presenceOnline).toBe(40);
  });

  it('a re-sent watch is charged every id it asks about: each is looked up again for the answer (4429)', async () => {
    const s = await server({ presenceIdBurst: 50, presenceIdsPerSecond: 1 });
    const c = await open(s);
    const ids = Array.from({ length: 30 }, newId);
    expect(await watch(c, ids)).toHaveLength(30);
    c.send({ type: 'presence-watch', ids });
    // On the old code the same set again was free, and answered in full every time.
    const outcome = await Promise.race([c.closed, c.next((m) => m.type === 'presence-state').then(() => null)]);
    expect(outcome?.code).toBe(CloseCodes.rateLimited);
  });

  it('refuses a socket that would take the server past its total presence entries (1008)', async () => {
    const s = await server({ maxPresenceEntries: 10 });
    const a = await open(s);
    await hold(a, Array.from({ length: 8 }, newId));
    const b = await open(s);
    b.send({ type: 'presence-watch', ids: Array.from({ length: 3 }, newId) });
    expect((await b.closed).code).toBe(CloseCodes.policyViolation);
    expect(s.server.deliveryStats()).toMatchObject({ presenceOnline: 8, presenceWatches: 0 });
    await a.roundTrip();
  });

  it.each(['hold', 'watch'] as const)(
    'one id at a time meets the same cap: a %s past MAX_PRESENCE_IDS on one socket closes it (4413), and others keep working',
    async (change) => {
      const s = await server();
      const c = await open(s);
      for (let i = 0; i < MAX_PRESENCE_IDS; i++) c.send({ type: 'presence-change', id: newId(), change });
      await c.roundTrip();
      c.send({ type: 'presence-change', id: newId(), change });
      // On the old code the socket stayed open and held the id: the round trip would win.
      const outcome = await Promise.race([c.closed, c.roundTrip().then(() => null)]);
      expect(outcome?.code).toBe(CloseCodes.tooManyTopics);
      await waitUntil(() => s.server.deliveryStats().presenceOnline === 0 && s.server.deliveryStats().presenceWatches === 0, 'its ids to be released');
      await expectRelayWorks(s.wsUrl);
    },
  );

  it('a socket at the cap may still release one id and hold another', async () => {
    const s = await server();
    const c = await open(s);
    const ids = Array.from({ length: MAX_PRESENCE_IDS }, newId);
    await hold(c, ids);
    c.send({ type: 'presence-change', id: ids[0]!, change: 'hold' });
    c.send({ type: 'presence-change', id: ids[0]!, change: 'release' });
    c.send({ type: 'presence-change', id: newId(), change: 'hold' });
    await c.roundTrip();
    expect(s.server.deliveryStats().presenceOnline).toBe(MAX_PRESENCE_IDS);
  });

  it('logs counts only, never an id', async () => {
    const s = await server();
    const id = newId();
    const c = await open(s);
    await hold(c, [id]);
    await c.close();
    await s.server.close();
    expect(JSON.stringify(s.logs)).not.toContain(id);
    expect(s.logs.some((l) => l.message === 'presence closed')).toBe(true);
  });
});
