/**
 * Older epochs' file roots for a joiner of a full-history group (docs/architecture.md §14.1,
 * docs/protocol.md §10): the member who grants the join seals, to the joining device's X25519
 * key, a map of epoch id → file root, beside the share of the new epoch. A root opens that
 * epoch's files and nothing else, so the joiner reads files sent before the join without
 * ever holding an old epoch secret (old mailboxes and signaling stay closed, §4.7).
 *
 * Sealed like a share (seal.ts) under its own context, so it can neither pass for an epoch
 * share nor be moved to another conversation, epoch or device.
 */
import { fromBase64Url, utf8 } from '../bytes.js';
import type { DeviceId } from '../ids.js';
import { isEpochId } from './records.js';
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
  if (Object.keys(roots).length > MAX_GRANT_FILE_ROOTS) throw new RangeError(`at most ${MAX_GRANT_FILE_ROOTS} file roots per grant`);
  return sealShare(devicePublic, utf8(JSON.stringify(roots)), shareContext(context));
}

/**
 * Opens the roots sealed to this device. Throws ShareError when they are not for this key or
 * context, or are not a well-formed map; entries are checked one by one (a wrong root only
 * means a file that does not open: chunks are checked against the signed hash list).
 */
export async function openFileRoots(devicePrivate: CryptoKey, sealed: string, context: FileRootsContext): Promise<Record<string, string>> {
  const bytes = await openShare(devicePrivate, sealed, shareContext(context));
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new ShareError('file roots are not JSON', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShareError('file roots are not a map');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_GRANT_FILE_ROOTS || !entries.every(([id, root]) => isEpochId(id) && id !== context.epoch && isRoot(root))) throw new ShareError('file roots are malformed');
  return Object.fromEntries(entries) as Record<string, string>;
}
