/**
 * Older epochs' file roots handed to a device that holds no secret of those epochs
 * (docs/architecture.md §14.1, docs/protocol.md §10): a joiner of a full-history group, with
 * its grant, and a newly linked device of a member, through the user's self doc. The giver
 * seals, to the receiving device's X25519 key, a map of epoch id → file root. A root opens
 * that epoch's files and nothing else, so the receiver reads files sent before it arrived
 * without ever holding an old epoch secret (old mailboxes and signaling stay closed, §4.7).
 *
 * Sealed like a share (seal.ts) under its own context, so it can neither pass for an epoch
 * share nor be moved to another conversation, epoch or device. Which roots a device may be
 * given is one rule for both ways in (`readsFilesOf`).
 */
import { fromBase64Url, utf8 } from '../bytes.js';
import type { SignedRecord } from '../identity/signed.js';
import type { IdentityId } from '../identity/keys.js';
import { isTopic, type DeviceId, type Topic } from '../ids.js';
import type { Epoch } from './fold.js';
import { isEpochId, type HistoryVisibility } from './records.js';
import { openShare, sealShare, ShareError } from './seal.js';

/** Most roots one grant carries (newest epochs first; older files stay closed to the joiner). */
export const MAX_GRANT_FILE_ROOTS = 200;
/** Longest sealed map on the wire: 200 roots of the longest epoch ids, sealed, in base64url. */
export const MAX_SEALED_FILE_ROOTS = 32_000;

export interface FileRootsContext {
  readonly conversation: string;
  /** The epoch the grant moves the joiner into. */
  readonly epoch: string;
  readonly device: DeviceId;
}

const shareContext = (c: FileRootsContext): { conversation: string; epoch: string; device: string } => ({ conversation: c.conversation, epoch: `file-roots ${c.epoch}`, device: c.device });

const isRoot = (x: unknown): x is string => typeof x === 'string' && x.length === 43 && fromBase64Url(x)?.length === 32;

/** Seals `roots` (epoch id → file root) to the joining device's X25519 key; base64url out. */
export async function sealFileRoots(devicePublic: string, roots: Readonly<Record<string, string>>, context: FileRootsContext): Promise<string> {
  return sealShare(devicePublic, fileRootsBytes(roots), shareContext(context));
}

/**
 * Opens the roots sealed to this device. Throws ShareError when they are not for this key or
 * context, or are not a well-formed map (`parseFileRoots`).
 */
export async function openFileRoots(devicePrivate: CryptoKey, sealed: string, context: FileRootsContext): Promise<Record<string, string>> {
  return parseFileRoots(await openShare(devicePrivate, sealed, shareContext(context)), context.epoch);
}

/** The plaintext of a roots map (at most MAX_GRANT_FILE_ROOTS), for any way it is sealed. */
export function fileRootsBytes(roots: Readonly<Record<string, string>>): Uint8Array {
  if (Object.keys(roots).length > MAX_GRANT_FILE_ROOTS) throw new RangeError(`at most ${MAX_GRANT_FILE_ROOTS} file roots per grant`);
  return utf8(JSON.stringify(roots));
}

/**
 * A roots map from its opened plaintext, however it was sealed. Throws ShareError unless it
 * is a JSON map of at most MAX_GRANT_FILE_ROOTS epoch ids (never `except`, the epoch it came
 * with) to 32-byte roots. Entries are not checked further: a wrong root only means a file
 * that does not open (chunks are checked against the signed hash list).
 */
export function parseFileRoots(bytes: Uint8Array, except: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new ShareError('file roots are not JSON', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShareError('file roots are not a map');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_GRANT_FILE_ROOTS || !entries.every(([id, root]) => isEpochId(id) && id !== except && isRoot(root))) throw new ShareError('file roots are malformed');
  return Object.fromEntries(entries) as Record<string, string>;
}

/** The person a device belongs to, as the group's history setting sees them. */
export interface RootReader {
  readonly identity: IdentityId;
  readonly history: HistoryVisibility;
  /** When a record first added this person; null when none did (in from the start). */
  readonly joinedAt: number | null;
}

/**
 * Whether a device of `reader` may be handed the file root of `epoch` (docs/architecture.md
 * §14.1): in a full-history group every epoch's; in a from-join group only epochs this person
 * held a share of (so their own files and everything sent while they were in), and the
 * implicit genesis only to those who were in it from the start. A joiner who was never in
 * therefore gets none, and a member's new device gets what the member's other devices hold.
 */
export function readsFilesOf(epoch: Epoch | undefined, reader: RootReader): boolean {
  if (reader.history === 'full') return true;
  if (!epoch) return false;
  if (!epoch.record) return reader.joinedAt === null;
  return Object.values(epoch.record.owners).includes(reader.identity);
}

/**
 * File roots one of the user's devices hands another (a newly linked one) in the self doc's
 * `roots` map, keyed `<to device>:<conversation>:<from device>` so two giving devices never
 * overwrite each other. `files` is the sealed map (context: the conversation, `epoch`, the
 * receiving device); `epochs` lists its ids, so the giver sees what it already gave.
 */
export interface FileRootsRecord extends SignedRecord {
  readonly type: 'file-roots';
  readonly conversation: Topic;
  /** The giver's current epoch when it sealed (part of the sealing context; never in the map). */
  readonly epoch: string;
  readonly epochs: readonly string[];
  readonly files: string;
}

/**
 * A record cleared because one of the devices its key names was revoked
 * (docs/architecture.md §14.1): nothing sealed, nothing listed. A signed map keeps no bare
 * deletes (a peer refuses one, §8.1), so clearing is replacing with this.
 */
export const isClearedFileRoots = (record: FileRootsRecord): boolean => record.files === '' && record.epochs.length === 0;

/** Shape and size caps of a `roots` record, before anything opens it. */
export function isFileRootsRecord(record: SignedRecord): record is FileRootsRecord {
  const r = record as unknown as Record<string, unknown>;
  return (
    r.type === 'file-roots' &&
    isTopic(r.conversation) &&
    isEpochId(r.epoch) &&
    Array.isArray(r.epochs) &&
    r.epochs.length <= MAX_GRANT_FILE_ROOTS &&
    r.epochs.every((id) => isEpochId(id) && id !== r.epoch) &&
    typeof r.files === 'string' &&
    r.files.length <= MAX_SEALED_FILE_ROOTS
  );
}
