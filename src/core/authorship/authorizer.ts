/**
 * Authorizes an update from a peer before it is applied (docs/architecture.md §3, §8).
 *
 * An update is refused, and its sender dropped, when it:
 * - is malformed, over a size, count or nesting limit (counted on the bytes, before
 *   decoding), or holds anything but signed plain values in schema roots;
 * - puts an event in another device's log, or a record under another device's key;
 * - deletes anything in a log, or deletes a record without replacing it;
 * - sits under a Yjs client id that its signer's key and nonce do not hash to
 *   (client-id.ts), so nobody can occupy someone else's clocks in any arrival order;
 * - carries a value whose signature, certificate or placement does not verify, or asks for
 *   more signature checks than the budget allows;
 * - takes a device past its storage budget in this document;
 * - comes from a device that is not a member, whose identity the conversation does not
 *   admit, or that was revoked;
 * - in a conversation, is dated after its device's newest certificate expired.
 * Checks are ordered cheap to expensive; signatures are verified in batches that stop at
 * the first failure, events through their hash chains.
 *
 * Record kinds live in the schema (schema.ts): a new kind of signed record is a new
 * `RootRule`, checked here by its kind.
 */
import * as Y from 'yjs';
import { parseEvent, type ConversationEvent } from '../events.js';
import type { DeviceId } from '../ids.js';
import { certificateEnd, certificateSignedBytes, writeCovered } from '../identity/certificate.js';
import { deviceIdOf, type VerifyKeyCache } from '../identity/keys.js';
import { recordSignedBytes, type SignedRecord } from '../identity/signed.js';
import { verifyEventChain } from './chain.js';
import { clientIdFor } from './client-id.js';
import { decodePeerUpdate, findStruct, rootName, type DecodedItem, type UpdateDecode } from './decoded-update.js';
import type { DocDirectory } from './directory.js';
import { DEFAULT_LIMITS, valueChars, type AuthorLimits } from './limits.js';
import { isPlainData } from './plain-data.js';
import { isMemberRecord, isRevocationRecord, MAX_RECORD_CHARS, parseRecord, type MemberRecord, type RevocationRecord } from './records.js';
import type { DocSchema } from './schema.js';
import { SignatureChecker } from './signature-budget.js';

export type RefusalReason = 'malformed' | 'forbidden' | 'gap';

export type Verdict =
  | {
      readonly ok: true;
      readonly empty: boolean;
      /** The update holds nothing the doc had when it was checked (decoded-update.ts). */
      readonly fresh?: boolean;
    }
  | { readonly ok: false; readonly reason: RefusalReason; readonly detail: string };

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
    private readonly limits: AuthorLimits = DEFAULT_LIMITS,
  ) {}

  /** `decode` reads the update's structs: `Y.decodeUpdate` when absent (decoded-update.ts). */
  async authorize(update: Uint8Array, decode?: UpdateDecode): Promise<Verdict> {
    try {
      const decoded = decodePeerUpdate(this.doc, update, this.limits.scan, decode);
      if (!decoded.ok) return decoded;
      // Yjs creates every root type a struct names, even for structs it already has.
      for (const root of decoded.declaredRoots) if (!this.schema.rule(root)) refuse(`unknown root "${root.slice(0, 60)}"`);
      const plan = this.inspect(decoded.items);
      this.checkDeletes(decoded.deletes, decoded.items, plan.keysWritten);
      await this.verify(plan);
      return { ok: true, empty: decoded.empty, fresh: decoded.fresh };
    } catch (error) {
      // Nothing a peer sends may throw out of here: any failure is a verdict.
      if (error instanceof Refusal) return { ok: false, reason: 'forbidden', detail: error.message };
      return { ok: false, reason: 'malformed', detail: String((error as Error)?.message ?? error) };
    }
  }

  /** Synchronous shape, placement and ownership checks. */
  private inspect(items: readonly DecodedItem[]): Plan {
    const plan: Plan = { members: new Map(), revocations: [], records: [], events: new Map(), signers: new Map(), bindings: new Map(), chars: new Map(), keysWritten: new Set() };
    // `clock` is how far this update writes with the client; 0 for revocations, which the
    // identity signs and which must get through even when the writing device is revoked.
    const bind = (client: number, device: DeviceId, nonce: string, clock: number, chars: number): void => {
      const known = plan.signers.get(client);
      if (known && known.device !== device) refuse(`client id ${client} carries values of two devices`);
      plan.signers.set(client, { device, maxClock: Math.max(known?.maxClock ?? 0, clock) });
      plan.bindings.set(`${client}|${nonce}`, { client, device, nonce });
      plan.chars.set(device, (plan.chars.get(device) ?? 0) + chars);
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
          bind(item.client, owner, event!.n, item.firstClock + i + 1, valueChars(value));
        });
        continue;
      }
      if (item.key === null) refuse('array item in a map');
      plan.keysWritten.add(`${item.root}\u0000${item.key}`);
      item.values.forEach((value, i) => {
        if (!isPlainData(value)) refuse('value is not plain data');
        const record = parseRecord(value, item.client, item.firstClock + i);
        if (!record) refuse('malformed record');
        const chars = valueChars(value);
        if (chars > MAX_RECORD_CHARS) refuse('record too large');
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
            if (rule!.validate && !rule!.validate(record!)) refuse(`malformed ${rule!.recordType} record`);
            plan.records.push(record!);
            break;
          case 'any-member':
            if (record!.type !== rule!.recordType) refuse('wrong record type');
            if (rule!.validate && !rule!.validate(record!)) refuse(`malformed ${rule!.recordType} record`);
            plan.records.push(record!);
            break;
        }
        bind(item.client, record!.by, record!.n, rule!.kind === 'revocations' ? 0 : item.firstClock + i + 1, chars);
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

  /** Client-id bindings, budgets, certificates and signatures. */
  private async verify(plan: Plan): Promise<void> {
    const memberOf = (device: DeviceId): MemberRecord | null => plan.members.get(device) ?? this.directory.member(device);

    // Cheap first: every value must sit under the client id its writer's key and nonce
    // give, so the first copy to arrive can never be someone else's.
    for (const { client, device, nonce } of plan.bindings.values()) {
      const member = memberOf(device);
      if (!member) refuse('value from a device that is not a member');
      if (clientIdFor(member!.device, nonce) !== client) refuse(`client id ${client} is not bound to its writer`);
    }
    for (const [device, chars] of plan.chars) {
      if (this.directory.storedChars(device) + chars > this.limits.deviceBudgetChars) refuse('a device went past its storage budget in this conversation');
    }

    const checker = new SignatureChecker(this.keys, this.limits.maxSignatures, this.limits.verifyBatch);
    const members = [...plan.members.values()];
    const certFailed = await checker.verifyAll(members.map((m) => ({ key: m.cert.identity.sign, sig: m.cert.sig, bytes: () => certificateSignedBytes(m.cert) })));
    if (certFailed !== null) refuse(certFailed === -1 ? 'too many signatures to check in one update' : 'bad member certificate');
    const memberFailed = await checker.verifyAll(members.map((m) => ({ key: m.device, sig: m.sig, bytes: () => recordSignedBytes(m) })));
    if (memberFailed !== null) refuse(memberFailed === -1 ? 'too many signatures to check in one update' : 'bad member signature');

    const revocations = new Map<DeviceId, RevocationRecord>();
    for (const r of plan.revocations) {
      const member = memberOf(r.device);
      // The writing device decides which client ids the record occupies: it must be a
      // device of the same identity. The revoked device may not have written here at all
      // (an identity carries its revocations into conversations created later,
      // docs/architecture.md §4.4); if it has, it must be that identity's.
      const writer = memberOf(r.by);
      if (!writer || writer.cert.identity.sign !== r.identity || (member && member.cert.identity.sign !== r.identity)) refuse('bad revocation');
    }
    const revocationFailed = await checker.verifyAll(plan.revocations.map((r) => ({ key: r.identity, sig: r.sig, bytes: () => recordSignedBytes(r) })));
    if (revocationFailed !== null) refuse(revocationFailed === -1 ? 'too many signatures to check in one update' : 'bad revocation');
    for (const r of plan.revocations) revocations.set(r.device, r);

    // A revoked device may not add anything past what its identity knew at revocation.
    for (const [client, signer] of plan.signers) {
      const revocation = revocations.get(signer.device) ?? this.directory.revocation(signer.device);
      if (!revocation) continue;
      const allowedUpTo = revocation.clients[String(client)] ?? 0;
      if (signer.maxClock > allowedUpTo) refuse('writes from a revoked device');
    }

    if (this.schema.certsExpire) this.checkCertEnds(plan);

    const recordChecks = plan.records.map((r: SignedRecord) => {
      const member = memberOf(r.by);
      if (!member) refuse('record not signed by a member device');
      return { key: member!.device, sig: r.sig, bytes: () => recordSignedBytes(r) };
    });
    const recordFailed = await checker.verifyAll(recordChecks);
    if (recordFailed !== null) refuse(recordFailed === -1 ? 'too many signatures to check in one update' : 'record not signed by a member device');

    for (const [author, events] of plan.events) {
      const member = memberOf(author);
      if (!member) refuse('event from a device that is not a member');
      const error = await verifyEventChain(events as ConversationEvent[], member!.device, checker, this.limits.maxTipsPerDevice);
      if (error) refuse(error);
    }
  }

  /**
   * Nothing dated after its device's newest certificate ended (docs/architecture.md §4.8):
   * the certificates counted are those this document holds and those this update brings
   * (already verified). Revocations are the identity's, not the device's, and always pass.
   */
  private checkCertEnds(plan: Plan): void {
    const ends = new Map<DeviceId, number>();
    const endOf = (device: DeviceId): number => {
      let end = ends.get(device);
      if (end === undefined) {
        const brought = plan.members.get(device);
        end = Math.max(this.directory.certEnd(device), brought ? certificateEnd(brought.cert) : -Infinity);
        ends.set(device, end);
      }
      return end;
    };
    const check = (device: DeviceId, at: number): void => {
      if (!writeCovered(endOf(device), at)) refuse('written after its device certificate expired');
    };
    for (const m of plan.members.values()) check(m.by, m.at);
    for (const r of plan.records) check(r.by, r.at);
    for (const [author, events] of plan.events) for (const e of events) check(author, e.at);
  }
}

interface Plan {
  readonly members: Map<DeviceId, MemberRecord>;
  readonly revocations: RevocationRecord[];
  readonly records: SignedRecord[];
  readonly events: Map<DeviceId, ConversationEvent[]>;
  /** Client id → the device whose values it carries in this update, and the clock reached. */
  readonly signers: Map<number, { device: DeviceId; maxClock: number }>;
  /** Distinct (client, nonce) pairs and the device that claims them. */
  readonly bindings: Map<string, { client: number; device: DeviceId; nonce: string }>;
  /** Characters of new values per device, for the storage budget. */
  readonly chars: Map<DeviceId, number>;
  readonly keysWritten: Set<string>;
}
