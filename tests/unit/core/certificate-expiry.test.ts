/**
 * Device certificates with an expiry (docs/architecture.md §4.8), as pure rules with a fake
 * clock: what expires when, what needs renewal, and which writes peers accept — those
 * dated while a certificate of the device was valid, forever; none dated after its newest
 * certificate ended; none refused in the self doc, where renewals come from.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { LOCAL_ORIGIN, SyncedDoc } from '../../../src/core/synced-doc.js';
import { selfSchema } from '../../../src/core/authorship/schema.js';
import { canonicalBytes, Domains } from '../../../src/core/identity/canonical.js';
import {
  CERT_LIFETIME_MS,
  CertificateExpiredError,
  certificateEnd,
  certificateExpired,
  issueCertificate,
  needsRenewal,
  verifyCertificate,
  writeCovered,
  type DeviceCertificate,
} from '../../../src/core/identity/certificate.js';
import { createContactRequest, verifyContactRequest } from '../../../src/core/identity/contact-request.js';
import { createDeviceKeys, createIdentityKeys, signBytes, VerifyKeyCache, type IdentityKeys } from '../../../src/core/identity/keys.js';
import { createEvent, type EventDraft } from '../../../src/core/events.js';
import { createJoinRequest, verifyJoinRequest } from '../../../src/core/membership/join-messages.js';
import type { Account } from '../../../src/store/types.js';
import { copyState, openSchema, testAccount, texts } from '../../helpers/signed-docs.js';

const DAY = 24 * 60 * 60 * 1000;
const T0 = 1_750_000_000_000;

/** A certificate from before expiry existed: signed without the field. */
async function legacyCertificate(identity: IdentityKeys, device: string, created: number): Promise<DeviceCertificate> {
  const body = { identity: identity.public, device, created };
  return { ...body, sig: await signBytes(identity.signPrivate, canonicalBytes(Domains.certificate, body)) };
}

/** The account's identity as issuing keys (test accounts hold them). */
const issuer = (a: Account): IdentityKeys => ({ public: a.identity, ...a.identityKeys! });

/** A test account whose certificate was issued at `created`. */
async function accountAt(name: string, created: number): Promise<Account> {
  const account = await testAccount(name);
  account.cert = await issueCertificate(issuer(account), account.device.public, created);
  return account;
}

/** The update one message by `doc`'s device, dated `at`, produces. */
async function messageAt(doc: SyncedDoc, text: string, at: number): Promise<Uint8Array> {
  let update: Uint8Array | null = null;
  const take = (u: Uint8Array): void => void (update = u);
  doc.doc.on('update', take);
  await doc.writer.appendEvents([createEvent({ kind: 'message', text } as EventDraft, doc.account.device.id, at)], LOCAL_ORIGIN);
  doc.doc.off('update', take);
  return update!;
}

describe('certificate expiry rules', () => {
  it('a new certificate lasts 30 days, needs renewal in its last 15, and expires after its end', async () => {
    const identity = await createIdentityKeys();
    const device = await createDeviceKeys();
    const keys = new VerifyKeyCache();
    const cert = await issueCertificate(identity, device.public, T0);
    expect(cert.expires).toBe(T0 + CERT_LIFETIME_MS);
    expect(await verifyCertificate(keys, cert)).toBe(true);
    // The expiry is signed: moving it forward breaks the signature.
    expect(await verifyCertificate(keys, { ...cert, expires: cert.expires! + DAY })).toBe(false);
    expect(needsRenewal(cert, T0 + 14 * DAY)).toBe(false);
    expect(needsRenewal(cert, T0 + 16 * DAY)).toBe(true);
    expect(certificateExpired(cert, T0 + 30 * DAY)).toBe(false);
    expect(certificateExpired(cert, T0 + 30 * DAY + 1)).toBe(true);
    expect(await verifyCertificate(keys, cert, T0 + 29 * DAY)).toBe(true);
    expect(await verifyCertificate(keys, cert, T0 + 31 * DAY)).toBe(false);
  });

  it('a certificate from before expiry still verifies and never expires, but is due for renewal at once', async () => {
    const identity = await createIdentityKeys();
    const device = await createDeviceKeys();
    const cert = await legacyCertificate(identity, device.public, T0);
    expect(await verifyCertificate(new VerifyKeyCache(), cert, T0 + 3650 * DAY)).toBe(true);
    expect(certificateEnd(cert)).toBe(Infinity);
    expect(needsRenewal(cert, T0)).toBe(true);
    // Adding an expiry to it is a forgery: the old signature does not cover one.
    expect(await verifyCertificate(new VerifyKeyCache(), { ...cert, expires: T0 + DAY })).toBe(false);
  });

  it('a write is covered when dated no later than the end of its device’s newest certificate', () => {
    expect(writeCovered(T0, T0 - 1)).toBe(true);
    expect(writeCovered(T0, T0)).toBe(true);
    expect(writeCovered(T0, T0 + 1)).toBe(false);
    expect(writeCovered(Infinity, T0 + 3650 * DAY)).toBe(true);
    expect(writeCovered(-Infinity, T0)).toBe(false);
  });

  it('join requests are refused under an expired certificate; contact requests dated after it ended too', async () => {
    const a = await testAccount('Joiner');
    const keys = new VerifyKeyCache();
    a.cert = await issueCertificate(issuer(a), a.device.public, T0);
    const invite = 'f'.repeat(32);
    const late = T0 + 31 * DAY;
    const request = await createJoinRequest({ invite, cert: a.cert, dh: a.identity.dh, name: 'Joiner', at: late }, a.device.signPrivate);
    expect(await verifyJoinRequest(keys, request, invite, late)).toBeNull();
    const early = await createJoinRequest({ invite, cert: a.cert, dh: a.identity.dh, name: 'Joiner', at: T0 + DAY }, a.device.signPrivate);
    expect(await verifyJoinRequest(keys, early, invite, T0 + DAY)).not.toBeNull();

    const to = (await createIdentityKeys()).public.sign;
    expect(await verifyContactRequest(keys, await createContactRequest(a.cert, a.device.signPrivate, 'Joiner', to, late), to)).toBeNull();
    expect(await verifyContactRequest(keys, await createContactRequest(a.cert, a.device.signPrivate, 'Joiner', to, T0 + DAY), to)).not.toBeNull();
  });
});

describe('writes under an expiring certificate', () => {
  /** Alice's device with a certificate ending at `end`, her document, and Bob's copy of it. */
  async function scene() {
    const created = T0;
    const alice = await accountAt('Alice', created);
    const end = certificateEnd(alice.cert);
    let clock = created + DAY;
    const a = new SyncedDoc({ account: alice, schema: openSchema(), keys: new VerifyKeyCache(), now: () => clock });
    await a.ensureMember('Alice', undefined);
    const b = new SyncedDoc({ account: await accountAt('Bob', created), schema: openSchema(), keys: new VerifyKeyCache(), now: () => clock });
    await b.ensureMember('Bob', undefined);
    copyState(a, b);
    return { alice, a, b, end, setClock: (t: number) => (clock = t) };
  }

  it('this device refuses to write past its certificate, with a clear error, and writes again once renewed', async () => {
    const { alice, a, end, setClock } = await scene();
    setClock(end + 1);
    await expect(messageAt(a, 'too late', end + 1)).rejects.toBeInstanceOf(CertificateExpiredError);
    // Its member record, written unasked, waits for the renewal.
    expect(await a.ensureMember('Alice B', undefined)).toBe(false);
    alice.cert = await issueCertificate(issuer(alice), alice.device.public, end + 1);
    expect(await a.ensureMember('Alice', undefined)).toBe(true);
    await messageAt(a, 'renewed', end + 2);
    expect(texts(a)).toEqual(['renewed']);
  });

  it('peers accept what was written while valid, even when it reaches them after the expiry, and refuse what is dated after', async () => {
    const { alice, a, b, end } = await scene();
    const valid = await messageAt(a, 'written in time', end - 1);
    // A hostile or modified client signs past its certificate anyway: its writer is told the
    // certificate is longer than the one its member record carries.
    const real = alice.cert;
    alice.cert = { ...real, expires: end + 10 * DAY };
    const late = await messageAt(a, 'written after the end', end + 1);
    alice.cert = real;

    // Bob sees the valid one only now (a mailbox, a relay): nothing in the rule depends on
    // Bob's clock, so it is accepted, and so is the whole history a new member fetches.
    expect(await b.authorizer.authorize(valid)).toMatchObject({ ok: true, empty: false });
    Y.applyUpdate(b.doc, valid);
    const refused = await b.authorizer.authorize(late);
    expect(refused).toMatchObject({ ok: false, reason: 'forbidden', detail: 'written after its device certificate expired' });
    expect(texts(b)).toEqual(['written in time']);
  });

  it('a renewal in the document, before or with the write, makes later writes count', async () => {
    const { alice, a, b, end, setClock } = await scene();
    setClock(end + 1);
    alice.cert = await issueCertificate(issuer(alice), alice.device.public, end + 1);
    const before = Y.encodeStateVector(b.doc);
    await a.ensureMember('Alice', undefined);
    await messageAt(a, 'after the renewal', end + 2);
    // Member record and message in one update, as a peer syncing both would send them.
    const both = Y.encodeStateAsUpdate(a.doc, before);
    expect(await b.authorizer.authorize(both)).toMatchObject({ ok: true, empty: false });
    Y.applyUpdate(b.doc, both);
    expect(texts(b)).toEqual(['after the renewal']);
    expect(b.directory.certEnd(alice.device.id)).toBe(certificateEnd(alice.cert));
  });

  it('the self doc does not expire writes: an expired device must still reach its renewal there', async () => {
    const alice = await testAccount('Alice');
    alice.cert = await issueCertificate(issuer(alice), alice.device.public, T0);
    const late = T0 + 40 * DAY;
    const self = new SyncedDoc({ account: alice, schema: selfSchema(alice.identity.sign), keys: new VerifyKeyCache(), now: () => late });
    await self.ensureMember('Alice', undefined);
    const other = new SyncedDoc({ account: alice, schema: selfSchema(alice.identity.sign), keys: new VerifyKeyCache(), now: () => late });
    const update = Y.encodeStateAsUpdate(self.doc);
    expect(await other.authorizer.authorize(update)).toMatchObject({ ok: true, empty: false });
  });
});
