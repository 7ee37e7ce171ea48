/**
 * Signed membership records kept in a conversation document (docs/architecture.md §4.2):
 * epoch records (`epochs`), leave notes (`leaves`), group settings (`group`), invites
 * (`invites`) and join requests waiting for approval (`requests`). Like every record they
 * are signed by the writing device for their exact placement; the authorizer checks that
 * signature. Here: shapes and size limits, checked before a record takes part in the fold.
 * Whether a valid-looking record is *allowed* is decided by the rules (rules.ts).
 */
import { isId, type DeviceId } from '../ids.js';
import { isCertificateShape, type DeviceCertificate } from '../identity/certificate.js';
import { isPublicKey, type IdentityId } from '../identity/keys.js';
import type { SignedRecord } from '../identity/signed.js';

export const Roles = ['admin', 'member'] as const;
export type Role = (typeof Roles)[number];

/** Most members one epoch record may name (shares are per device, a few per member). */
export const MAX_EPOCH_OPS = 200;
export const MAX_EPOCH_SHARES = 400;
export const MAX_PARENTS = 16;
export const MAX_GROUP_NAME = 64;
/** A share: 32-byte key + 12-byte IV + 32-byte secret + 16-byte tag, base64url. */
const SHARE_PATTERN = /^[A-Za-z0-9_-]{120,140}$/;
const EPOCH_ID_PATTERN = /^e\d{1,9}-[A-Za-z0-9_-]{8,32}$/;
/** Legacy groups and 1:1 chats have an implicit genesis under this id. */
export const IMPLICIT_GENESIS = 'g0';

/** Clocks a writer had seen for each Yjs client id of a device or identity. */
export type Cutoffs = Readonly<Record<string, number>>;

export type MembershipOp =
  | { readonly op: 'add'; readonly identity: IdentityId; readonly role: Role }
  | { readonly op: 'remove'; readonly identity: IdentityId; readonly cutoffs: Cutoffs }
  | { readonly op: 'role'; readonly identity: IdentityId; readonly role: Role };

export interface EpochRecord extends SignedRecord {
  readonly type: 'epoch';
  /** Equal to the map key: `e<n>-<random>`. */
  readonly id: string;
  /** Depth in the epoch graph: 0 for genesis, else one more than the deepest parent. */
  readonly seq: number;
  readonly parents: readonly string[];
  readonly ops: readonly MembershipOp[];
  /** device id → the epoch secret sealed to that device's X25519 key. */
  readonly shares: Readonly<Record<string, string>>;
  /** device id → its identity, for every device in `shares` (a joiner's device is not yet a member). */
  readonly owners: Readonly<Record<string, IdentityId>>;
  /**
   * device id → the X25519 key its share was sealed to: the next writer can seal to a
   * device whose member record it has not received yet (someone who just joined).
   */
  readonly keys: Readonly<Record<string, string>>;
  /** Genesis only: the conversation id is SHA-256 over the creator's identity and this nonce. */
  readonly nonce?: string;
  /**
   * Why it was written, for the timeline ("rotated weekly"). Only `blocked` and `unblocked`
   * take part in the fold, in a 1:1's block rule (blocks.ts, docs/architecture.md §4.4).
   */
  readonly reason?: string;
}

/** A member's signed note that they left; it lets any member remove them. */
export interface LeaveRecord extends SignedRecord {
  readonly type: 'leave';
  readonly identity: IdentityId;
  /** The epoch the leaver was in. */
  readonly epoch: string;
}

export const GroupFields = ['name', 'approval', 'history'] as const;
export type GroupField = (typeof GroupFields)[number];
export type HistoryVisibility = 'full' | 'join';

/** One group setting, set by an admin; the newest valid one per field wins. */
export interface GroupRecord extends SignedRecord {
  readonly type: 'group';
  readonly field: GroupField;
  readonly value: string | boolean;
  /** The epoch the writer was in: they must have been an admin there. */
  readonly epoch: string;
}

/** An invite (or, with `revoked`, its revocation). Keyed `<invite id>:<writer device>`. */
export interface InviteRecord extends SignedRecord {
  readonly type: 'invite';
  /** Hex SHA-256 prefix of the invite secret. */
  readonly invite: string;
  /** base64url invite secret, so any member can answer on its channel. */
  readonly secret?: string;
  readonly expires: number;
  readonly revoked?: boolean;
  readonly epoch: string;
}

/** A join request waiting for an admin, recorded by the member who received it. */
export interface RequestRecord extends SignedRecord {
  readonly type: 'request';
  readonly invite: string;
  readonly cert: DeviceCertificate;
  /** The joining device's X25519 key, for its share. */
  readonly dh: string;
  readonly name: string;
  /** Set by an admin who turned the request down. */
  readonly declined?: boolean;
}

const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isRole = (x: unknown): x is Role => x === 'admin' || x === 'member';

export const isEpochId = (x: unknown): x is string => typeof x === 'string' && (x === IMPLICIT_GENESIS || EPOCH_ID_PATTERN.test(x));
export const isInviteId = (x: unknown): x is string => typeof x === 'string' && /^[0-9a-f]{32}$/.test(x);

export function isCutoffs(x: unknown): x is Cutoffs {
  if (!isObject(x)) return false;
  const entries = Object.entries(x);
  // Client ids are derived from device keys: up to 2^53, so up to 16 digits.
  return entries.length <= 1000 && entries.every(([c, k]) => /^\d{1,16}$/.test(c) && Number.isSafeInteger(Number(c)) && isUint(k));
}

function isOp(x: unknown): x is MembershipOp {
  if (!isObject(x) || !isPublicKey(x.identity)) return false;
  switch (x.op) {
    case 'add':
    case 'role':
      return isRole(x.role);
    case 'remove':
      return isCutoffs(x.cutoffs);
    default:
      return false;
  }
}

export function isEpochRecord(record: SignedRecord, key: string): record is EpochRecord {
  const r = record as unknown as Record<string, unknown>;
  if (r.type !== 'epoch' || r.id !== key || !isEpochId(r.id) || r.id === IMPLICIT_GENESIS || !isUint(r.seq)) return false;
  if (!r.id.startsWith(`e${r.seq}-`)) return false;
  if (!Array.isArray(r.parents) || r.parents.length > MAX_PARENTS || !r.parents.every(isEpochId)) return false;
  if (new Set(r.parents).size !== r.parents.length) return false;
  if (!Array.isArray(r.ops) || r.ops.length > MAX_EPOCH_OPS || !r.ops.every(isOp)) return false;
  if (!isObject(r.shares)) return false;
  const shares = Object.entries(r.shares);
  if (shares.length === 0 || shares.length > MAX_EPOCH_SHARES || !shares.every(([d, s]) => isId(d) && typeof s === 'string' && SHARE_PATTERN.test(s))) return false;
  if (!isObject(r.owners)) return false;
  const owners = r.owners;
  if (Object.keys(owners).length !== shares.length || !shares.every(([d]) => Object.hasOwn(owners, d) && isPublicKey(owners[d]))) return false;
  if (!isObject(r.keys)) return false;
  const keys = r.keys;
  if (Object.keys(keys).length !== shares.length || !shares.every(([d]) => Object.hasOwn(keys, d) && isPublicKey(keys[d]))) return false;
  if (r.nonce !== undefined && !(typeof r.nonce === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(r.nonce))) return false;
  if (r.reason !== undefined && !(typeof r.reason === 'string' && r.reason.length <= 32)) return false;
  // Genesis has no parents and a nonce; every other epoch has parents and none.
  return r.parents.length === 0 ? r.nonce !== undefined && r.seq === 0 : r.nonce === undefined && r.seq > 0;
}

export function isLeaveRecord(record: SignedRecord, key: string): record is LeaveRecord {
  const r = record as unknown as Record<string, unknown>;
  return r.type === 'leave' && r.by === key && isPublicKey(r.identity) && isEpochId(r.epoch);
}

export function isGroupRecord(record: SignedRecord, key: string): record is GroupRecord {
  const r = record as unknown as Record<string, unknown>;
  if (r.type !== 'group' || key !== `${String(r.field)}:${r.by}` || !isEpochId(r.epoch)) return false;
  switch (r.field) {
    case 'name':
      return typeof r.value === 'string' && r.value.length <= MAX_GROUP_NAME;
    case 'approval':
      return typeof r.value === 'boolean';
    case 'history':
      return r.value === 'full' || r.value === 'join';
    default:
      return false;
  }
}

export function isInviteRecord(record: SignedRecord, key: string): record is InviteRecord {
  const r = record as unknown as Record<string, unknown>;
  if (r.type !== 'invite' || !isInviteId(r.invite) || key !== `${r.invite}:${r.by}` || !isUint(r.expires) || !isEpochId(r.epoch)) return false;
  if (r.revoked !== undefined && r.revoked !== true) return false;
  return r.secret === undefined || (typeof r.secret === 'string' && /^[A-Za-z0-9_-]{43}$/.test(r.secret));
}

export function isRequestRecord(record: SignedRecord, key: string): record is RequestRecord {
  const r = record as unknown as Record<string, unknown>;
  if (r.type !== 'request' || !isInviteId(r.invite) || !isCertificateShape(r.cert) || !isPublicKey(r.dh)) return false;
  if (typeof r.name !== 'string' || r.name.length === 0 || r.name.length > 64) return false;
  if (r.declined !== undefined && r.declined !== true) return false;
  return key.startsWith(`${r.invite}:`) && key.endsWith(`:${r.by}`);
}

/** The device a share belongs to, when the map key is a device id. */
export const shareDevices = (record: EpochRecord): DeviceId[] => Object.keys(record.shares) as DeviceId[];
