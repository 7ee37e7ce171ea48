/**
 * Older epochs' file roots for everyone in a group an admin switched to "full" history
 * (docs/architecture.md §14.1, docs/protocol.md §9). Members who joined while the group
 * showed history from the join were handed no older roots; the switch promises them the
 * whole history, texts (which were on their devices all along) and files. The admin's device
 * that made the switch seals, once, the roots it holds under a key derived from the secret
 * of the epoch it switched in: exactly the devices that were members then can open it. Who
 * joins later gets the roots with their grant; nobody removed before the switch holds that
 * secret. Roots only: old secrets would open old mailboxes and signaling.
 */
import { fromBase64Url, toBase64Url, utf8 } from '../bytes.js';
import type { SignedRecord } from '../identity/signed.js';
import { deriveChannel } from '../keys.js';
import { open, seal, SealError } from '../sealed.js';
import { fileRootsBytes, MAX_SEALED_FILE_ROOTS, parseFileRoots } from './file-roots-grant.js';
import { isEpochId } from './records.js';
import { ShareError } from './seal.js';

/** Part of the protocol: the HKDF purpose the sealing key derives under (`deriveChannel`). */
export const HISTORY_ROOTS_PURPOSE = 'history file roots';

/**
 * In the conversation doc's `roots` map, keyed `<epoch>:<writer device>`: the roots the
 * writer holds, sealed under `epoch`'s secret. Only the writer of the group's winning
 * "full" history setting is read (an admin: anyone else could plant wrong roots).
 */
export interface HistoryRootsRecord extends SignedRecord {
  readonly type: 'history-roots';
  /** The epoch whose secret seals it: the one the history setting was written in. */
  readonly epoch: string;
  readonly files: string;
}

/** Shape and size caps of a `roots` record, before anything opens it. */
export function isHistoryRootsRecord(record: SignedRecord): record is HistoryRootsRecord {
  const r = record as unknown as Record<string, unknown>;
  return r.type === 'history-roots' && isEpochId(r.epoch) && typeof r.files === 'string' && r.files.length <= MAX_SEALED_FILE_ROOTS;
}

export interface HistoryRootsContext {
  readonly conversation: string;
  readonly epoch: string;
}

const aad = (c: HistoryRootsContext): Uint8Array => utf8(`parley history roots\n${c.conversation}\n${c.epoch}`);
const keyOf = async (secret: Uint8Array): Promise<CryptoKey> => (await deriveChannel(secret, HISTORY_ROOTS_PURPOSE)).key;

/** Seals `roots` under the epoch's secret; base64url out. */
export async function sealHistoryRoots(secret: Uint8Array, roots: Readonly<Record<string, string>>, context: HistoryRootsContext): Promise<string> {
  return toBase64Url(await seal(await keyOf(secret), fileRootsBytes(roots), aad(context)));
}

/** Opens them with the epoch's secret. Throws ShareError when they do not open or are malformed. */
export async function openHistoryRoots(secret: Uint8Array, sealed: string, context: HistoryRootsContext): Promise<Record<string, string>> {
  const bytes = fromBase64Url(sealed);
  if (!bytes) throw new ShareError('history roots are not base64url');
  try {
    return parseFileRoots(await open(await keyOf(secret), bytes, aad(context)), context.epoch);
  } catch (error) {
    if (error instanceof SealError) throw new ShareError('history roots do not open', { cause: error });
    throw error;
  }
}
