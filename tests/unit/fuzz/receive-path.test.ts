/**
 * Fuzzes the receive path of a synced document (docs/architecture.md §1.3 "it never crashes a process
 * or poisons a document", §5.6: every update is "authorized before Yjs sees it"): seeded mutations of honest updates go through exactly what RoomSync does
 * with a peer's update — `UpdateAuthorizer.authorize(update)`, and only on an ok verdict
 * `Y.applyUpdate(doc, update)`.
 *
 * Asserted: no crash (authorize never throws or rejects; applying an authorized update
 * never throws) and no poisoned document. Every 500 cases, and at the end, the honest doc
 * must have no pending structs or deletes, accept and show a fresh message from an honest
 * member, and encode to an update that a brand-new doc applies to the same messages and a
 * brand-new member doc authorizes (otherwise honest peers would drop this one).
 *
 * For information only, the same mutated updates are applied to a stock `Y.Doc` with no
 * guard, and the number that poison it is printed.
 *
 * FUZZ_SEED and FUZZ_CASES override the defaults to explore further or reproduce a case.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { LOCAL_ORIGIN, SyncedDoc } from '../../../src/client/synced-doc.js';
import { ConversationLog, shardName } from '../../../src/core/conversation.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import type { Account } from '../../../src/store/types.js';
import { BYTE_MUTATIONS, mutateBytes, mutateStructure, Rng, STRUCT_MUTATIONS } from '../../helpers/fuzz.js';
import type { CraftId } from '../../helpers/fuzz-updates.js';
import { fixedAccount, fixedMemberDoc, sayFixed } from '../../helpers/fuzz-accounts.js';
import { copyState, openSchema, texts, tick } from '../../helpers/signed-docs.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_2024);
const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const CHECK_EVERY = 500;
/** Case number whose update is printed (decoded), to study a finding. */
const DUMP = process.env.FUZZ_DUMP === undefined ? -1 : Number(process.env.FUZZ_DUMP);

/** Captures the update one local change produces. */
async function captureUpdate(doc: Y.Doc, change: () => Promise<unknown>): Promise<Uint8Array> {
  const updates: Uint8Array[] = [];
  const handler = (u: Uint8Array): void => void updates.push(u);
  doc.on('update', handler);
  await change();
  doc.off('update', handler);
  if (updates.length === 0) throw new Error('change produced no update');
  return Y.mergeUpdates(updates);
}

interface Corpus {
  readonly entries: ReadonlyArray<{ name: string; update: Uint8Array }>;
  /** State every receiver starts from: members and the first half of the history. */
  readonly seed: Uint8Array;
  /** Everything, as one honest peer would send it to a stock doc. */
  readonly world: Uint8Array;
  readonly source: SyncedDoc;
  readonly receiverAccount: Account;
  readonly ids: CraftId[];
  readonly roots: string[];
  readonly clientIds: number[];
}

async function buildCorpus(): Promise<Corpus> {
  const [alice, bob, carol, erin, frank, dave] = await Promise.all(['Alice', 'Bob', 'Carol', 'Erin', 'Frank', 'Dave'].map(fixedAccount));
  const a = await fixedMemberDoc(alice!, 0x0a11ce);
  const b = await fixedMemberDoc(bob!, 0xb0b);
  const c = await fixedMemberDoc(carol!, 0xca201);
  const e = await fixedMemberDoc(erin!, 0xe219);
  const all = [a, b, c, e];
  const share = (): void => {
    for (const x of all) for (const y of all) if (x !== y) copyState(x, y);
  };
  share();
  // First half of a several-member history, in a few transactions per author.
  for (let round = 0; round < 3; round++) {
    await sayFixed(a, ...Array.from({ length: 3 }, (_, i) => `alice ${round}.${i}`));
    share();
    await sayFixed(b, ...Array.from({ length: 3 }, (_, i) => `bob ${round}.${i}`));
    await sayFixed(c, `carol ${round}`, `carol ${round}b`);
    share();
  }
  await sayFixed(e, 'erin says hi');
  await b.writer.setRecord('reads', b.account.device.id, { type: 'read', by: b.account.device.id, at: tick() }, LOCAL_ORIGIN);
  share();
  const seed = Y.encodeStateAsUpdate(a.doc);
  const seedSv = Y.encodeStateVector(a.doc);

  // Each corpus entry is what an honest peer would send a receiver holding `seed`. The read
  // overwrite replaces Bob's earlier read marker, so its update carries a delete set.
  const live = await captureUpdate(a.doc, () => sayFixed(a, 'a single live message'));
  const overwrite = await captureUpdate(b.doc, () => b.writer.setRecord('reads', b.account.device.id, { type: 'read', by: b.account.device.id, at: tick() }, LOCAL_ORIGIN));
  const erinClients = { [String(e.doc.clientID)]: Y.getState(e.doc.store, e.doc.clientID) };
  const revocation = await captureUpdate(e.doc, () =>
    e.writer.setRecord(
      'revoked',
      e.account.device.id,
      { type: 'revocation', by: e.account.device.id, at: tick(), device: e.account.device.id, identity: e.account.identity.sign, clients: erinClients },
      LOCAL_ORIGIN,
      e.account.identityKeys!.signPrivate,
    ),
  );
  // Several new structs from one client in one update: a message, a read marker, a message.
  const burst = await captureUpdate(c.doc, async () => {
    await sayFixed(c, 'burst one');
    await c.writer.setRecord('reads', c.account.device.id, { type: 'read', by: c.account.device.id, at: tick() }, LOCAL_ORIGIN);
    await sayFixed(c, 'burst two');
  });
  const f = await fixedMemberDoc(frank!, 0xf2a4c);
  const member = Y.encodeStateAsUpdate(f.doc);
  for (let i = 0; i < 5; i++) await sayFixed(c, ...Array.from({ length: 5 }, (_, j) => `carol later ${i}.${j} ${'·'.repeat(j * 7)}`));
  const carolHistory = Y.encodeStateAsUpdate(c.doc, seedSv);
  all.push(f);
  share();
  const world = Y.encodeStateAsUpdate(a.doc);

  const ids: CraftId[] = [];
  a.doc.store.clients.forEach((structs, client) => {
    for (const s of structs) for (const k of [s.id.clock, s.id.clock + s.length - 1]) ids.push({ client, clock: k });
  });
  const roots = [...a.doc.share.keys(), ...all.map((x) => shardName(x.account.device.id, 1)), 'notes', '', '__proto__', 'constructor', 'toString', 'meta'];
  const clientIds = [...a.doc.store.clients.keys(), 0, 1, 0xffffffff, 2 ** 31];
  return {
    entries: [
      { name: 'full history', update: world },
      { name: 'history diff', update: carolHistory },
      { name: 'live message', update: live },
      { name: 'burst', update: burst },
      { name: 'member record', update: member },
      { name: 'read overwrite', update: overwrite },
      { name: 'revocation', update: revocation },
    ],
    seed,
    world,
    source: a,
    receiverAccount: dave!,
    ids,
    roots,
    clientIds,
  };
}

/** What the fuzz compares: every message text in the doc, sorted. */
const messageList = (doc: Y.Doc): string[] =>
  new ConversationLog(doc)
    .readAll()
    .filter((e) => e.kind === 'message')
    .map((e) => `${e.author}:${e.id}:${(e as { text: string }).text}`)
    .sort();

function dump(record: CaseRecord, doc: Y.Doc): void {
  const lines = [`case ${record.index} (${record.base} / ${record.mutation}), ${record.update.length} bytes`];
  try {
    const { structs, ds } = Y.decodeUpdate(record.update);
    for (const s of structs) {
      const known = Y.getState(doc.store, s.id.client);
      const where = s instanceof Y.Item ? `origin ${s.origin?.client}:${s.origin?.clock} right ${s.rightOrigin?.client}:${s.rightOrigin?.clock} parent ${String(s.parent)} sub ${s.parentSub}` : s.constructor.name;
      lines.push(`  ${s.id.client}:${s.id.clock} len ${s.length} (receiver knows < ${known}) ${where}`);
    }
    ds.clients.forEach((ranges, client) => lines.push(`  delete ${client}: ${ranges.map((r) => `${r.clock}+${r.len}`).join(' ')}`));
  } catch (error) {
    lines.push(`  undecodable: ${(error as Error).message}`);
  }
  console.log(lines.join('\n'));
}

interface CaseRecord {
  readonly index: number;
  readonly base: string;
  readonly mutation: string;
  readonly update: Uint8Array;
}

describe('receive path fuzz', () => {
  it(`survives ${CASES} seeded mutated updates (seed ${SEED})`, { timeout: 180_000 }, async () => {
    const started = performance.now();
    const corpus = await buildCorpus();
    const keys = new VerifyKeyCache();
    const freshReceiver = (): SyncedDoc => {
      const doc = new SyncedDoc({ account: corpus.receiverAccount, schema: openSchema(), keys, now: tick });
      Y.applyUpdate(doc.doc, corpus.seed);
      return doc;
    };
    // Precondition: every corpus entry is honest and accepted as is.
    for (const entry of corpus.entries) {
      const r = freshReceiver();
      expect(await r.authorizer.authorize(entry.update), entry.name).toMatchObject({ ok: true });
      r.destroy();
    }

    const worldState = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(corpus.world));
    const rng = new Rng(SEED);
    const crashes: string[] = [];
    const poisoned: string[] = [];
    const verdicts = new Map<string, number>();
    const stock = { poisoned: 0, byteLevel: 0, structural: 0, reasons: new Map<string, number>() };
    let accepted = 0;
    let checkpoints = 0;
    let receiver = freshReceiver();
    let window: CaseRecord[] = [];
    let authorizeMs = 0;
    let stockMs = 0;

    /** Null when healthy, else what is wrong with the doc. */
    const diagnose = async (r: SyncedDoc, label: string): Promise<string | null> => {
      if (r.doc.store.pendingStructs !== null) return 'pending structs';
      if (r.doc.store.pendingDs !== null) return 'pending deletes';
      const text = `honest checkpoint ${label}`;
      await sayFixed(corpus.source, text);
      const honest = Y.encodeStateAsUpdate(corpus.source.doc, Y.encodeStateVector(r.doc));
      let verdict;
      try {
        verdict = await r.authorizer.authorize(honest);
      } catch (error) {
        return `authorize threw on an honest update: ${(error as Error).message}`;
      }
      if (!verdict.ok) return `refuses an honest update: ${verdict.reason} ${verdict.detail}`;
      try {
        Y.applyUpdate(r.doc, honest);
      } catch (error) {
        return `honest update failed to apply: ${(error as Error).message}`;
      }
      if (!texts(r).includes(text)) return 'honest message not visible';
      if (r.doc.store.pendingStructs !== null || r.doc.store.pendingDs !== null) return 'honest update left pending';
      let full: Uint8Array;
      try {
        full = Y.encodeStateAsUpdate(r.doc);
      } catch (error) {
        return `encode threw: ${(error as Error).message}`;
      }
      const copy = new Y.Doc({ gc: false });
      try {
        Y.applyUpdate(copy, full);
      } catch (error) {
        return `own encoding failed to apply to a new doc: ${(error as Error).message}`;
      }
      if (copy.store.pendingStructs !== null) return 'own encoding leaves a new doc with pending structs';
      if (JSON.stringify(messageList(copy)) !== JSON.stringify(messageList(r.doc))) return 'a new doc shows other messages than this one';
      const peer = await fixedMemberDoc(corpus.receiverAccount, 0xd0e, openSchema(), keys);
      const relayed = await peer.authorizer.authorize(full);
      peer.destroy();
      if (!relayed.ok) return `an honest new member refuses this doc's state: ${relayed.reason} ${relayed.detail}`;
      return null;
    };

    /** Replays a window's accepted cases on a fresh receiver to name the one that poisons. */
    const culprit = async (cases: CaseRecord[]): Promise<string> => {
      const r = freshReceiver();
      for (const c of cases) {
        const v = await r.authorizer.authorize(c.update);
        if (!v.ok || v.empty) continue;
        try {
          Y.applyUpdate(r.doc, c.update);
        } catch {
          return `case ${c.index} (${c.base} / ${c.mutation}) throws on apply`;
        }
        const problem = await diagnose(r, `replay ${c.index}`);
        if (problem) return `case ${c.index} (${c.base} / ${c.mutation}): ${problem}`;
      }
      return 'no single case reproduces it';
    };

    const checkpoint = async (label: string): Promise<void> => {
      checkpoints++;
      const problem = await diagnose(receiver, label);
      if (problem) poisoned.push(`${label}: ${problem} — ${await culprit(window)}`);
      receiver.destroy();
      receiver = freshReceiver();
      window = [];
    };

    /** A plain Y.Doc with no guard: is it poisoned by `update`? Null if not, else why. */
    const stockPoison = (update: Uint8Array): string | null => {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, corpus.seed);
      try {
        Y.applyUpdate(doc, update);
      } catch {
        // Stock Yjs throws on garbage; what counts is the state it leaves.
      }
      try {
        Y.encodeStateAsUpdate(doc);
      } catch {
        return 'throws on encode';
      }
      try {
        Y.applyUpdate(doc, corpus.world);
      } catch {
        return 'next honest update throws';
      }
      for (const [client, clock] of worldState) if (Y.getState(doc.store, client) < clock) return 'next honest update not applied';
      if (doc.store.pendingStructs !== null) return 'pending structs forever';
      if (doc.store.pendingDs !== null) return 'pending deletes forever';
      try {
        Y.encodeStateAsUpdate(doc);
      } catch {
        return 'throws on encode';
      }
      return null;
    };

    // The health check itself: a receiver that took any honest corpus entry is healthy.
    for (const entry of corpus.entries) {
      const r = freshReceiver();
      Y.applyUpdate(r.doc, entry.update, 'peer');
      expect(await diagnose(r, `honest ${entry.name}`), entry.name).toBeNull();
      r.destroy();
    }

    for (let index = 0; index < CASES; index++) {
      const base = rng.pick(corpus.entries);
      let update = base.update;
      const steps: string[] = [];
      const rounds = rng.next() < 0.2 ? 2 : 1;
      let structural = false;
      for (let r = 0; r < rounds; r++) {
        if (rng.next() < 0.4) {
          const kind = rng.pick(STRUCT_MUTATIONS);
          const mutated = mutateStructure(rng, kind, update, corpus.ids, corpus.roots, corpus.clientIds);
          if (mutated) {
            update = mutated;
            steps.push(kind);
            structural = true;
            continue;
          }
        }
        const kind = rng.pick(BYTE_MUTATIONS);
        update = mutateBytes(rng, kind, update, rng.pick(corpus.entries).update);
        steps.push(kind);
      }
      const record: CaseRecord = { index, base: base.name, mutation: steps.join('+'), update };
      if (index === DUMP) dump(record, receiver.doc);

      const t1 = performance.now();
      const reason = stockPoison(update);
      stockMs += performance.now() - t1;
      if (reason) {
        stock.poisoned++;
        if (structural) stock.structural++;
        else stock.byteLevel++;
        const label = `${structural ? 'structure-aware' : 'byte-level'}: ${reason}`;
        stock.reasons.set(label, (stock.reasons.get(label) ?? 0) + 1);
      }

      const t0 = performance.now();
      let verdict;
      try {
        verdict = await receiver.authorizer.authorize(update);
      } catch (error) {
        crashes.push(`case ${index} (${record.base} / ${record.mutation}): authorize threw ${String(error)}`);
        continue;
      } finally {
        authorizeMs += performance.now() - t0;
      }
      const key = verdict.ok ? (verdict.empty ? 'ok (empty)' : 'ok') : `${verdict.reason}: ${verdict.detail.replace(/[0-9]+/g, 'N').slice(0, 60)}`;
      verdicts.set(key, (verdicts.get(key) ?? 0) + 1);
      if (verdict.ok && !verdict.empty) {
        accepted++;
        window.push(record);
        try {
          Y.applyUpdate(receiver.doc, update, 'peer');
        } catch (error) {
          crashes.push(`case ${index} (${record.base} / ${record.mutation}): applyUpdate threw after an ok verdict: ${(error as Error).message}`);
        }
        if (receiver.doc.store.pendingStructs !== null || receiver.doc.store.pendingDs !== null) {
          poisoned.push(`case ${index} (${record.base} / ${record.mutation}): authorized update left pending ${receiver.doc.store.pendingStructs ? 'structs' : 'deletes'}`);
          receiver.destroy();
          receiver = freshReceiver();
          window = [];
        }
      }

      if ((index + 1) % CHECK_EVERY === 0) await checkpoint(`after case ${index}`);
    }
    await checkpoint('end of run');

    const top = [...verdicts].sort((x, y) => y[1] - x[1]);
    /** Findings grouped by what went wrong, each with its first case and a count. */
    const grouped = (list: string[]): string[] => {
      const groups = new Map<string, { first: string; count: number }>();
      for (const line of list) {
        const what = line.replace(/^case \d+ \([^)]*\): /, '').replace(/[0-9]+/g, 'N');
        const g = groups.get(what);
        if (g) g.count++;
        else groups.set(what, { first: line, count: 1 });
      }
      return [...groups.values()].map((g) => `${g.count} × ${g.first}`);
    };
    console.log(
      [
        `receive-path fuzz: seed ${SEED}, ${CASES} cases, ${checkpoints} health checks, ${((performance.now() - started) / 1000).toFixed(1)} s ` +
          `(authorize ${(authorizeMs / 1000).toFixed(1)} s, stock Yjs ${(stockMs / 1000).toFixed(1)} s)`,
        `  authorized and applied: ${accepted}; crashes: ${crashes.length}; poisoned: ${poisoned.length}`,
        `  stock Y.Doc poisoned by the same updates: ${stock.poisoned} of ${CASES} (byte-level ${stock.byteLevel}, structure-aware ${stock.structural}); ` +
          [...stock.reasons].map(([r, n]) => `${r}: ${n}`).join(', '),
        '  verdicts:',
        ...top.slice(0, 25).map(([k, n]) => `    ${String(n).padStart(6)}  ${k}`),
        ...grouped(crashes).map((c) => `  CRASH ${c}`),
        ...grouped(poisoned).map((p) => `  POISONED ${p}`),
      ].join('\n'),
    );
    expect(grouped(crashes), 'crashes').toEqual([]);
    expect(grouped(poisoned), 'poisoned docs').toEqual([]);
  });
});
