/**
 * What a modified client can write about epochs (docs/architecture.md §4.3, §4.4): an epoch
 * record of its own making, signed by its real device and sealed to whom it likes, with any
 * parents; and writes that go only to that epoch's mailbox (from a copy of its document the
 * honest session never sees, so they reach nobody any other way).
 */
import * as Y from 'yjs';
import type { ConversationSession } from '../../src/client/conversation-session.js';
import { LOCAL_ORIGIN, SyncedDoc } from '../../src/client/synced-doc.js';
import { randomBytes, toBase64Url } from '../../src/core/bytes.js';
import { createEvent } from '../../src/core/events.js';
import type { IdentityId } from '../../src/core/identity/keys.js';
import { VerifyKeyCache } from '../../src/core/identity/keys.js';
import { deriveConversationKeys, SECRET_BYTES, type ConversationKeys } from '../../src/core/keys.js';
import { sealShare } from '../../src/core/membership/seal.js';
import type { EpochRecord } from '../../src/core/membership/records.js';
import { conversationSchemaFor } from '../../src/core/policy/conversation-policy.js';
import { mailboxIdOf } from '../../src/core/wire/mailbox.js';
import { MailboxClient } from '../../src/net/mailbox-client.js';
import { MailboxCourier } from '../../src/net/mailbox-courier.js';
import { MemoryMailboxStateStore } from '../../src/store/mailbox-state.js';

export interface HostileEpoch {
  readonly record: EpochRecord;
  readonly keys: ConversationKeys;
}

/**
 * Writes an epoch record under `parents` with a fresh secret sealed to every device of
 * `to` (every member by default) that `session`'s device knows a key of — whatever the
 * fold would say of it; under a new id (random, or `id`: one a random draw could give, to
 * fix the order the fold breaks ties in), or under the id of one it `replacing`.
 */
export async function writeEpoch(
  session: ConversationSession,
  { parents, reason, to, replacing, id: chosen }: { parents: readonly string[]; reason: string; to?: ReadonlySet<IdentityId>; replacing?: string; id?: string },
): Promise<HostileEpoch> {
  const records = session.doc.getMap<EpochRecord>('epochs');
  const depth = (id: string): number => (id === 'g0' ? 0 : records.get(id)!.seq);
  const seq = Math.max(...parents.map(depth)) + 1;
  // `replacing`: written under an existing record's id, in its place in the map.
  const id = replacing ?? chosen ?? `e${seq}-${toBase64Url(randomBytes(9))}`;
  const secret = randomBytes(SECRET_BYTES);
  const targets = session.changes.targets([], to ?? new Set(session.membership.state.members.keys()));
  const shares: Record<string, string> = {};
  const owners: Record<string, IdentityId> = {};
  const keys: Record<string, string> = {};
  for (const t of targets) {
    shares[t.device] = await sealShare(t.dh, secret, { conversation: session.id, epoch: id, device: t.device });
    owners[t.device] = t.identity;
    keys[t.device] = t.dh;
  }
  const device = session.synced.account.device.id;
  const body = { type: 'epoch', by: device, at: Date.now(), id, seq, parents: [...parents], ops: [], reason, shares, owners, keys } as const;
  const record = (await session.synced.writer.setRecord('epochs', id, body, LOCAL_ORIGIN)) as EpochRecord;
  return { record, keys: await deriveConversationKeys(secret) };
}

/**
 * Writes `text` as a message of `session`'s user into a copy of its document, and appends
 * that copy to the mailbox of `epoch` only: as a modified client sitting on that epoch would.
 */
export async function writeOnlyUnder(serverUrl: string, session: ConversationSession, epoch: ConversationKeys, text: string): Promise<void> {
  const account = session.synced.account;
  const copy = new SyncedDoc({ account, schema: conversationSchemaFor(session.record, account.identity.sign), keys: new VerifyKeyCache(), now: Date.now });
  Y.applyUpdate(copy.doc, Y.encodeStateAsUpdate(session.doc));
  await copy.writer.appendEvents([createEvent({ kind: 'message', text }, account.device.id, Date.now())], LOCAL_ORIGIN);
  const id = mailboxIdOf(epoch.mailboxToken);
  if (!id) throw new Error('not a mailbox token');
  const courier = new MailboxCourier({
    client: new MailboxClient(serverUrl),
    id,
    token: epoch.mailboxToken,
    key: epoch.mailboxKey,
    doc: copy.doc,
    authorize: (update) => copy.authorizer.authorize(update),
    // Nothing sent from this copy yet: the whole document goes.
    progress: new MemoryMailboxStateStore(),
  });
  await courier.push();
  copy.doc.destroy();
}

