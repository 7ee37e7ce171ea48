/**
 * What a document says about its writers, kept current as transactions land: member
 * devices with their keys and identities, revocations, and which Yjs client id belongs to
 * which device. The authorizer consults it for every incoming update; the UI asks it for
 * names.
 */
import * as Y from 'yjs';
import type { DeviceId } from '../ids.js';
import type { IdentityId } from '../identity/keys.js';
import { certificateEnd } from '../identity/certificate.js';
import { rootName } from './decoded-update.js';
import { valueChars } from './limits.js';
import { isMemberRecord, isRevocationRecord, parseRecord, type MemberRecord, type RevocationRecord } from './records.js';
import type { DocSchema } from './schema.js';

export class DocDirectory {
  private readonly memberRecords = new Map<DeviceId, MemberRecord>();
  /**
   * Revocations by device, then by the identity that wrote them. Any member may write under
   * any key of `revoked`, and a device that never wrote here has no member record to say
   * whose it is, so one member's record of someone else's device must never replace the
   * real one: each identity's is kept apart, and lookups name the identity.
   */
  private readonly revocations = new Map<DeviceId, Map<IdentityId, RevocationRecord>>();
  private readonly clientOwners = new Map<number, DeviceId>();
  /** Every name a device's member records carried, oldest first (a rename applies from then on). */
  private readonly names = new Map<DeviceId, { identity: IdentityId; list: Array<{ at: number; name: string }> }>();
  /** Characters of signed values per device, for the storage budget (limits.ts). */
  private readonly chars = new Map<DeviceId, number>();
  /** The latest end among each device's certificates seen in its member records. */
  private readonly certEnds = new Map<DeviceId, number>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly doc: Y.Doc,
    private readonly schema: DocSchema,
  ) {
    doc.store.clients.forEach((structs, client) => this.scan(structs, client, 0, Infinity));
    doc.on('afterTransaction', this.onTransaction);
  }

  member(device: DeviceId): MemberRecord | null {
    return this.memberRecords.get(device) ?? null;
  }

  members(): IterableIterator<[DeviceId, MemberRecord]> {
    return this.memberRecords.entries();
  }

  identityOf(device: DeviceId): IdentityId | null {
    return this.memberRecords.get(device)?.cert.identity.sign ?? null;
  }

  /**
   * The revocation of a device by its own identity: the one its member record shows, else
   * `identity` (the identity the caller knows the device by, e.g. from its certificate in a
   * hello). A device may be revoked before it ever wrote here (revocations are carried into
   * conversations created later). With neither known, any identity's revocation is returned:
   * callers that ask so only ever leave a device out for it.
   */
  revocation(device: DeviceId, identity?: IdentityId): RevocationRecord | null {
    const records = this.revocations.get(device);
    if (!records) return null;
    const owner = this.memberRecords.get(device)?.cert.identity.sign ?? identity;
    if (owner === undefined) return records.values().next().value ?? null;
    return records.get(owner) ?? null;
  }

  /**
   * Until when a device's certificates vouch for its writes here: the latest end among every
   * certificate its member records carried, superseded ones included (a renewal only ever
   * extends it); -Infinity for a device without member records.
   */
  certEnd(device: DeviceId): number {
    return this.certEnds.get(device) ?? -Infinity;
  }

  /** What a device has stored in this document so far, in characters of signed values. */
  storedChars(device: DeviceId): number {
    return this.chars.get(device) ?? 0;
  }

  /**
   * The name a device went by at `at`: its newest member record signed at or before then,
   * else its first. Null for a device without member records.
   */
  nameAt(device: DeviceId, at: number): string | null {
    const list = this.names.get(device)?.list;
    if (!list || list.length === 0) return null;
    let name = list[0]!.name;
    for (const entry of list) {
      if (entry.at > at) break;
      name = entry.name;
    }
    return name;
  }

  /** Every name each device's member records ever carried, with its identity and signed time. */
  *nameHistory(): IterableIterator<{ readonly device: DeviceId; readonly identity: IdentityId; readonly at: number; readonly name: string }> {
    for (const [device, { identity, list }] of this.names) for (const { at, name } of list) yield { device, identity, at, name };
  }

  clientOwner(client: number): DeviceId | null {
    return this.clientOwners.get(client) ?? null;
  }

  /** Called after any change to members or revocations. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  destroy(): void {
    this.doc.off('afterTransaction', this.onTransaction);
    this.listeners.clear();
  }

  private readonly onTransaction = (tr: Y.Transaction): void => {
    let changed = false;
    tr.afterState.forEach((after, client) => {
      const before = tr.beforeState.get(client) ?? 0;
      if (after > before) changed = this.scan(this.doc.store.clients.get(client) ?? [], client, before, after) || changed;
    });
    if (changed) for (const l of this.listeners) l();
  };

  private noteName(record: MemberRecord): void {
    let entry = this.names.get(record.by);
    if (!entry) this.names.set(record.by, (entry = { identity: record.cert.identity.sign, list: [] }));
    if (entry.list.some((e) => e.at === record.at && e.name === record.name)) return;
    entry.list.push({ at: record.at, name: record.name });
    entry.list.sort((a, b) => a.at - b.at);
  }

  /** Returns true when members, their names or revocations changed. */
  private scan(structs: ReadonlyArray<Y.Item | Y.GC>, client: number, from: number, to: number): boolean {
    let changed = false;
    const start = from === 0 ? 0 : Y.findIndexSS(structs as Array<Y.Item | Y.GC>, from);
    for (let i = start; i < structs.length; i++) {
      const s = structs[i]!;
      if (s.id.clock >= to) break;
      if (!(s instanceof Y.Item) || !(s.content instanceof Y.ContentAny)) continue;
      const parent = s.parent;
      if (!(parent instanceof Y.AbstractType) || parent._item !== null) continue;
      const root = rootName(this.doc, parent);
      const rule = root === null ? null : this.schema.rule(root);
      if (!rule) continue;
      const values = s.content.arr;
      // A struct partly known before this transaction counts only its new values.
      const first = Math.max(0, from - s.id.clock);
      const last = Math.min(values.length, to - s.id.clock);
      if (rule.kind === 'log') {
        this.clientOwners.set(client, rule.owner);
        let added = 0;
        for (let j = first; j < last; j++) added += valueChars(values[j]);
        this.chars.set(rule.owner, this.storedChars(rule.owner) + added);
        continue;
      }
      for (let j = first; j < last; j++) {
        const record = parseRecord(values[j], client, s.id.clock + j);
        if (!record) continue;
        this.clientOwners.set(client, record.by);
        this.chars.set(record.by, this.storedChars(record.by) + valueChars(values[j]));
        if (rule.kind === 'members' && isMemberRecord(record)) {
          // Superseded records stay in the document (gc off): they are the name history.
          this.noteName(record);
          this.certEnds.set(record.by, Math.max(this.certEnd(record.by), certificateEnd(record.cert)));
          if (!s.deleted) this.memberRecords.set(record.by, record);
          changed = true;
        } else if (rule.kind === 'revocations' && isRevocationRecord(record)) {
          let records = this.revocations.get(record.device);
          if (!records) this.revocations.set(record.device, (records = new Map()));
          records.set(record.identity, record);
          changed = true;
        }
      }
    }
    return changed;
  }
}
