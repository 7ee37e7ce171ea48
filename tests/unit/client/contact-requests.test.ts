/**
 * The limits on incoming contact requests (`PendingRequests`, docs/architecture.md §8.4), as
 * pure logic on a clock the test sets. Requests here are shapes with a claimed identity:
 * signatures are checked by the caller between `admit` and `add`
 * (tests/integration/malicious/contact-spam.test.ts sends real ones).
 */
import { describe, expect, it } from 'vitest';
import { PendingRequests } from '../../../src/client/contact-requests.js';
import type { ContactRequest } from '../../../src/core/identity/contact-request.js';

const LIMITS = { maxPending: 3, perSenderMs: 10_000, verifyPerMinute: 60, replyVerifyPerMinute: 6, ttlMs: 60 * 60_000 };
const from = (identity: string): ContactRequest => ({ cert: { identity: { sign: identity } }, name: identity }) as unknown as ContactRequest;

describe('PendingRequests', () => {
  it('keeps no more than the cap when more requests passed `admit` than it allows before any was kept', () => {
    const requests = new PendingRequests(() => 1_000, LIMITS);
    const senders = ['a', 'b', 'c', 'd', 'e'];
    // All checked at once, as while their signatures are being checked: none is kept yet.
    expect(senders.map((s) => requests.admit(s))).toEqual([true, true, true, true, true]);
    // The old `add` kept all five.
    expect(senders.map((s) => requests.add(from(s)))).toEqual(['added', 'added', 'added', 'full', 'full']);
    expect(requests.list().map((p) => p.request.name)).toEqual(['a', 'b', 'c']);
    // One already waiting is refreshed, cap or not.
    expect(requests.add(from('a'))).toBe('refreshed');
  });

  it('a forged request does not spend the turn of the identity it claims', () => {
    let clock = 1_000;
    const requests = new PendingRequests(() => clock, LIMITS);
    expect(requests.admit('bob')).toBe(true);
    requests.refuted('bob');
    // The real Bob, at the same moment: heard (the old code refused him for 10 s).
    expect(requests.admit('bob')).toBe(true);
    expect(requests.add(from('bob'))).toBe('added');
    clock += LIMITS.perSenderMs - 1;
    expect(requests.admit('bob')).toBe(false);
    clock += 1;
    expect(requests.admit('bob')).toBe(true);
  });

  it('lets an expected reply past the cap and the minute\'s checks, never past its own turn', () => {
    const requests = new PendingRequests(() => 0, { ...LIMITS, verifyPerMinute: 3 });
    for (const s of ['a', 'b', 'c']) {
      expect(requests.admit(s)).toBe(true);
      requests.add(from(s));
    }
    // Full (3 of 3) and the minute's 3 checks used: a stranger is refused, a reply is not.
    expect(requests.admit('d')).toBe(false);
    expect(requests.admit('zed', 0, true)).toBe(true);
    expect(requests.admit('zed', LIMITS.perSenderMs - 1, true)).toBe(false);
    expect(requests.admit('zed', LIMITS.perSenderMs, true)).toBe(true);
  });

  it("forged replies claiming someone the user asked are checked once per turn, then on that person's own budget, never the strangers' minute", () => {
    const requests = new PendingRequests(() => 0, { ...LIMITS, verifyPerMinute: 5, replyVerifyPerMinute: 2 });
    // A forger sends 100 claims to be "zed" (asked by the user) at once, each failing its checks.
    let checked = 0;
    for (let i = 0; i < 100; i++) {
      if (!requests.admit('zed', 0, true)) continue;
      checked++;
      requests.refuted('zed', true);
    }
    // One free check and Zed's own 2 (the first version gave the turn back: all 100 checked).
    expect(checked).toBe(3);
    // The strangers' 5 are untouched: on the minute's checks, the forgeries had spent them all.
    expect(['a', 'b', 'c', 'd', 'e', 'f'].map((s) => requests.admit(s))).toEqual([true, true, true, true, true, false]);
    // Nor do they reach the reply of anyone else the user asked.
    expect(requests.admit('yan', 0, true)).toBe(true);
    // The next turn gives one free check again; the real Zed's reply is admitted then.
    expect(requests.admit('zed', LIMITS.perSenderMs, true)).toBe(true);
  });

  it("the real reply gets through within a turn a forgery spent, though strangers spent the minute's checks", () => {
    const requests = new PendingRequests(() => 0, { ...LIMITS, maxPending: 100, verifyPerMinute: 3 });
    expect(['a', 'b', 'c', 'd'].map((s) => requests.admit(s))).toEqual([true, true, true, false]);
    expect(requests.admit('zed', 0, true)).toBe(true);
    requests.refuted('zed', true);
    // On the old code a claim within the spent turn took the minute's checks: refused here.
    expect(requests.admit('zed', 1, true)).toBe(true);
    expect(requests.add(from('zed'))).toBe('added');
  });

  it('counts a request from when it arrived, given as `now`', () => {
    const requests = new PendingRequests(() => 50_000, LIMITS);
    expect(requests.admit('a', 1_000)).toBe(true);
    expect(requests.admit('a', 1_000 + LIMITS.perSenderMs - 1)).toBe(false);
    expect(requests.admit('a', 1_000 + LIMITS.perSenderMs)).toBe(true);
  });
});
