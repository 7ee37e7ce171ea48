/**
 * Authorizes an update from a peer before it is applied (ARCHITECTURE §3, §5; issue 3).
 *
 * An update is refused, and its sender dropped, when it:
 * - is malformed, or holds anything but signed plain values in schema roots;
 * - puts an event in another device's log, or a record under another device's key;
 * - deletes anything in a log, or deletes a record without replacing it;
 * - uses a Yjs client id that belongs to another device;
 * - carries a value whose signature, certificate or placement does not verify;
 * - comes from a device that is not a member, whose identity the conversation does not
 *   admit, or that was revoked.
 * Checks are ordered cheap to expensive; signatures are verified in parallel, events
 * through their hash chains.
 */
import * as Y from 'yjs';
import { parseEvent, type ConversationEvent } from '../events.js';
import type { DeviceId } from '../ids.js';
import { verifyCertificate } from '../identity/certificate.js';
import { deviceIdOf, type VerifyKeyCache } from '../identity/keys.js';
import { recordSignedBytes, type SignedRecord } from '../identity/signed.js';
import { verifyEventChain } from './chain.js';
import { decodePeerUpdate, findStruct, rootName, type DecodedItem } from './decoded-update.js';
import type { DocDirectory } from './directory.js';
import { isPlainData } from './plain-data.js';
import { isMemberRecord, isRevocationRecord, MAX_RECORD_CHARS, parseRecord, type MemberRecord, type RevocationRecord } from './records.js';
import type { DocSchema } from './schema.js';

export type Verdict =
  | { readonly ok: true; readonly empty: boolean }
  | { readonly ok: false; readonly reason: 'malformed' | 'forbidden' | 'gap'; readonly detail: string };

class Refusal extends Error {
  override readonly name = 'Refusal';
}

const refuse = (detail: string): never => {
  throw new Refusal(detail);
};

export class UpdateAuthorizer {
  constructor(
    private readonly doc: Y.Doc,
    private readonly schema: DocSchema,
    private readonly directory: DocDirectory,
    private readonly keys: VerifyKeyCache,
  ) {}

  async authorize(update: Uint8Array): Promise<Verdict> {
    try {
      const decoded = decodePeerUpdate(this.doc, update);
      if (!decoded.ok) return decoded;
      // Yjs creates every root type a struct names, even for structs it already has.
      for (const root of decoded.declaredRoots) if (!this.schema.rule(root)) refuse(`unknown root "${root.slice(0, 60)}"`);
      const plan = this.inspect(decoded.items);
      this.checkDeletes(decoded.deletes, decoded.items, plan.keysWritten);
      await this.verify(plan);
      return { ok: true, empty: decoded.empty };
    } catch (error) {
      // Nothing a peer sends may throw out of here: any failure is a verdict.
      if (error instanceof Refusal) return { ok: false, reason: 'forbidden', detail: error.message };
      return { ok: false, reason: 'malformed', detail: String((error as Error)?.message ?? error) };
    }
  }

  /** Synchronous shape, placement, ownership and client-id checks. */
  private inspect(items: readonly DecodedItem[]): Plan {
    const plan: Plan = { members: new Map(), revocations: [], records: [], events: new Map(), signers: new Map(), keysWritten: new Set() };
    // `clock` is how far this update writes with the client; 0 for revocations, which the
    // identity signs and which must get through even when the writing device is revoked.
    const bind = (client: number, device: DeviceId, clock: number): void => {
      const owner = plan.signers.get(client)?.device ?? this.directory.clientOwner(client);
      if (owner !== null && owner !== undefined && owner !== device) refuse(`client id ${client} belongs to another device`);
      const known = plan.signers.get(client);
      plan.signers.set(client, { device, maxClock: Math.max(known?.maxClock ?? 0, clock) });
    };
    for (const item of items) {
      const rule = this.schema.rule(item.root);
      if (!rule) refuse(`unknown root "${item.root.slice(0, 60)}"`);
      if (rule!.kind === 'log') {
        if (item.key !== null) refuse('map entry in a log');
        const owner = rule!.owner;
        let list = plan.events.get(owner);
        if (!list) plan.events.set(owner, (list = []));
        item.values.forEach((value, i) => {
          if (!isPlainData(value)) refuse('value is not plain data');
          const event = parseEvent(value);
          if (!event) refuse('malformed event');
          if (event!.author !== owner) refuse("event in another device's log");
          if (event!.c !== item.client || event!.k !== item.firstClock + i) refuse('event placement does not match its signature');
          list!.push(event!);
        });
        bind(item.client, owner, item.firstClock + item.values.length);
        continue;
      }
      if (item.key === null) refuse('array item in a map');
      plan.keysWritten.add(`${item.root}\u0000${item.key}`);
      item.values.forEach((value, i) => {
        if (!isPlainData(value)) refuse('value is not plain data');
        const record = parseRecord(value, item.client, item.firstClock + i);
        if (!record) refuse('malformed record');
        if (JSON.stringify(value).length > MAX_RECORD_CHARS) refuse('record too large');
        switch (rule!.kind) {
          case 'members':
            if (!isMemberRecord(record!) || record!.by !== item.key || deviceIdOf(record!.device) !== item.key) refuse('malformed member record');
            if (!this.schema.admits((record as MemberRecord).cert.identity.sign)) refuse('identity not admitted to this conversation');
            plan.members.set(record!.by, record as MemberRecord);
            break;
          case 'revocations':
            if (!isRevocationRecord(record!) || record!.device !== item.key) refuse('malformed revocation');
            plan.revocations.push(record as RevocationRecord);
            break;
          case 'own-key':
            if (record!.type !== rule!.recordType || record!.by !== item.key) refuse("record under another device's key");
            plan.records.push(record!);
            break;
          case 'any-member':
            if (record!.type !== rule!.recordType) refuse('wrong record type');
            plan.records.push(record!);
            break;
        }
        bind(item.client, record!.by, rule!.kind === 'revocations' ? 0 : item.firstClock + i + 1);
      });
    }
    return plan;
  }

  /** Log entries are never deleted; a record only when a newer one replaces it. */
  private checkDeletes(deletes: ReadonlyArray<{ client: number; clock: number; len: number }>, items: readonly DecodedItem[], keysWritten: Set<string>): void {
    const incoming = new Map<number, Y.Item[]>();
    for (const item of items) {
      let list = incoming.get(item.client);
      if (!list) incoming.set(item.client, (list = []));
      list.push(item.struct);
    }
    const locate = new Map(items.map((i) => [i.struct, i] as const));
    for (const range of deletes) {
      const known = Y.getState(this.doc.store, range.client);
      let clock = range.clock;
      const end = range.clock + range.len;
      while (clock < end) {
        if (clock < known) {
          const item = Y.getItem(this.doc.store, Y.createID(range.client, clock));
          clock = item.id.clock + item.length;
          if (!(item instanceof Y.Item) || item.deleted) continue;
          const parent = item.parent;
          const root = parent instanceof Y.AbstractType ? rootName(this.doc, parent) : null;
          const rule = root === null ? null : this.schema.rule(root);
          if (!rule || rule.kind === 'log') refuse('deletes an entry of a log');
          const key = item.parentSub;
          const superseded = key !== null && (parent as Y.AbstractType<unknown>)._map.get(key) !== item;
          if (!superseded && !keysWritten.has(`${root}\u0000${key}`)) refuse('deletes a record without replacing it');
        } else {
          const list = incoming.get(range.client);
          const struct = list ? findStruct(list, clock) : null;
          if (!struct) refuse('deletes something that does not exist');
          const decoded = locate.get(struct!)!;
          const rule = this.schema.rule(decoded.root);
          if (!rule || rule.kind === 'log') refuse('deletes an entry of a log');
          clock = struct!.id.clock + struct!.length;
        }
      }
    }
  }

  /** Certificates and signatures, in parallel batches. */
  private async verify(plan: Plan): Promise<void> {
    const memberOf = (device: DeviceId): MemberRecord | null => plan.members.get(device) ?? this.directory.member(device);
    const memberChecks = await Promise.all(
      [...plan.members.values()].map(async (m) => (await verifyCertificate(this.keys, m.cert)) && this.keys.verify(m.device, m.sig, recordSignedBytes(m))),
    );
    if (memberChecks.includes(false)) refuse('bad member certificate or signature');

    const revocations = new Map<DeviceId, RevocationRecord>();
    const revocationChecks = await Promise.all(
      plan.revocations.map(async (r) => {
        const member = memberOf(r.device);
        // The writing device decides which client ids the record occupies: it must be a
        // device of the same identity, or anyone could squat on others' clocks.
        const writer = memberOf(r.by);
        return (
          member !== null &&
          writer !== null &&
          member.cert.identity.sign === r.identity &&
          writer.cert.identity.sign === r.identity &&
          this.keys.verify(r.identity, r.sig, recordSignedBytes(r))
        );
      }),
    );
    if (revocationChecks.includes(false)) refuse('bad revocation');
    for (const r of plan.revocations) revocations.set(r.device, r);

    // A revoked device may not add anything past what its identity knew at revocation.
    for (const [client, signer] of plan.signers) {
      const revocation = revocations.get(signer.device) ?? this.directory.revocation(signer.device);
      if (!revocation) continue;
      const allowedUpTo = revocation.clients[String(client)] ?? 0;
      if (signer.maxClock > allowedUpTo) refuse('writes from a revoked device');
    }

    const recordChecks = await Promise.all(
      plan.records.map(async (r: SignedRecord) => {
        const member = memberOf(r.by);
        return member !== null && this.keys.verify(member.device, r.sig, recordSignedBytes(r));
      }),
    );
    if (recordChecks.includes(false)) refuse('record not signed by a member device');

    for (const [author, events] of plan.events) {
      const member = memberOf(author);
      if (!member) refuse('event from a device that is not a member');
      const error = await verifyEventChain(events as ConversationEvent[], member!.device, this.keys);
      if (error) refuse(error);
    }
  }
}

interface Plan {
  readonly members: Map<DeviceId, MemberRecord>;
  readonly revocations: RevocationRecord[];
  readonly records: SignedRecord[];
  readonly events: Map<DeviceId, ConversationEvent[]>;
  /** Client id → the device whose values it carries in this update, and the clock reached. */
  readonly signers: Map<number, { device: DeviceId; maxClock: number }>;
  readonly keysWritten: Set<string>;
}
