/**
 * Real signed documents for unit tests: real accounts (WebCrypto keys), real writers and
 * authorizers — the same parts the app uses, without a browser.
 */
import * as Y from 'yjs';
import { createAccount } from '../../src/client/account.js';
import { LOCAL_ORIGIN, SyncedDoc } from '../../src/client/synced-doc.js';
import { conversationSchema, type DocSchema } from '../../src/core/authorship/schema.js';
import { createEvent, type ConversationEvent, type EventDraft } from '../../src/core/events.js';
import { newClientBinding } from '../../src/core/authorship/client-id.js';
import { VerifyKeyCache, type IdentityId } from '../../src/core/identity/keys.js';
import { issueCertificate } from '../../src/core/identity/certificate.js';
import type { Account } from '../../src/store/types.js';

let clock = 1_700_000_000_000;
export const tick = (): number => clock++;

export const openSchema = (): DocSchema => conversationSchema(() => true);

/**
 * An account whose certificate never runs out: tests here date writes by a fake clock,
 * Date.now() or far in the future on purpose, and an identity may certify its own device
 * for as long as it likes. Tests of expiry issue their own certificates.
 */
export async function testAccount(name: string): Promise<Account> {
  const account = await createAccount(name, tick());
  account.cert = await issueCertificate({ public: account.identity, ...account.identityKeys! }, account.device.public, account.cert.created, Number.MAX_SAFE_INTEGER - account.cert.created);
  return account;
}

/** A signed doc for `account`, with its member record already written. */
export async function memberDoc(account: Account, schema: DocSchema = openSchema(), keys = new VerifyKeyCache()): Promise<SyncedDoc> {
  const doc = new SyncedDoc({ account, schema, keys, now: tick });
  await doc.ensureMember(account.name, undefined);
  return doc;
}

export async function say(doc: SyncedDoc, ...texts: string[]): Promise<ConversationEvent[]> {
  const drafts = texts.map((text) => createEvent({ kind: 'message', text } as EventDraft, doc.account.device.id, tick()));
  return (await doc.writer.appendEvents(drafts, LOCAL_ORIGIN)).events;
}

/** Brings `to` up to date with `from` (trusted copy: no authorization). */
export function copyState(from: SyncedDoc, to: SyncedDoc): void {
  Y.applyUpdate(to.doc, Y.encodeStateAsUpdate(from.doc, Y.encodeStateVector(to.doc)));
}

export const texts = (doc: SyncedDoc): string[] =>
  doc.log
    .readAll()
    .filter((e) => e.kind === 'message')
    .map((e) => (e as { text: string }).text);

export type { IdentityId };

/** A new Yjs client id the doc's device may write under, with the nonce that binds it. */
export function boundClient(doc: SyncedDoc): { c: number; n: string } {
  const { nonce, client } = newClientBinding(doc.account.device.public);
  return { c: client, n: nonce };
}
