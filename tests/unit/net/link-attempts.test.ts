/**
 * Link attempts (src/net/link-attempts.ts, docs/protocol.md §4): which link a signal or relay
 * offer goes to, and the attempt field on the wire. The end-to-end cases, with real peers, are
 * in tests/integration/net/link-attempts.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceId, SessionId } from '../../../src/core/ids.js';
import { describeStale, newAttemptId, routeSignal } from '../../../src/net/link-attempts.js';
import { parseRendezvous, type RendezvousMessage } from '../../../src/net/rendezvous/rendezvous-message.js';

const A = newAttemptId();
const B = newAttemptId();
const to = { from: 'remoteSession' as SessionId, to: 'localSession' as SessionId, toDevice: 'localDevice' as DeviceId };
const offer = (attempt?: string): RendezvousMessage => ({ t: 'signal', ...to, signal: { type: 'offer', sdp: 'v=0' }, ...(attempt ? { attempt } : {}) });
const answer = (attempt?: string): RendezvousMessage => ({ t: 'signal', ...to, signal: { type: 'answer', sdp: 'v=0' }, ...(attempt ? { attempt } : {}) });
const candidate = (attempt?: string): RendezvousMessage => ({ t: 'signal', ...to, signal: { type: 'candidate', candidate: {} }, ...(attempt ? { attempt } : {}) });
const relay = (attempt?: string): RendezvousMessage => ({ t: 'relay', ...to, addr: 'ab'.repeat(16), key: 'A'.repeat(43), ...(attempt ? { attempt } : {}) });
type LinkSignal = Extract<RendezvousMessage, { t: 'signal' | 'relay' }>;
const route = (link: { attempt: string | undefined } | undefined, message: RendezvousMessage, remoteInitiates: boolean) => routeSignal(link, message as LinkSignal, remoteInitiates);

describe('link attempts', () => {
  it('gives a new id to every attempt, in the wire shape of a nonce', () => {
    expect(A).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(A).not.toBe(B);
  });

  it('delivers a message of the current link’s attempt, whatever it is', () => {
    for (const m of [offer(A), answer(A), candidate(A), relay(A)]) {
      expect(route({ attempt: A }, m, true)).toBe('deliver');
      expect(route({ attempt: A }, m, false)).toBe('deliver');
    }
  });

  it('on the initiating side, drops every message of another attempt, and any with no link', () => {
    for (const m of [answer(B), candidate(B), relay(B), offer(B)]) expect(route({ attempt: A }, m, false)).toBe('stale');
    for (const m of [answer(B), candidate(B), relay(B), answer()]) expect(route(undefined, m, false)).toBe('stale');
  });

  it('on the answering side, an offer or relay offer of another attempt replaces the link; an answer or candidate is dropped', () => {
    expect(route({ attempt: A }, offer(B), true)).toBe('replace');
    expect(route({ attempt: A }, relay(B), true)).toBe('replace');
    expect(route({ attempt: A }, candidate(B), true)).toBe('stale');
    expect(route({ attempt: A }, answer(B), true)).toBe('stale');
  });

  it('on the answering side with no link, only an offer or relay offer opens one', () => {
    expect(route(undefined, offer(B), true)).toBe('open');
    expect(route(undefined, relay(B), true)).toBe('open');
    expect(route(undefined, candidate(B), true)).toBe('stale');
  });

  it('routes messages and links of builds before attempts as those builds did', () => {
    // A message with no attempt id: to the current link, or opening one when the sender initiates.
    expect(route({ attempt: A }, candidate(), true)).toBe('deliver');
    expect(route({ attempt: A }, answer(), false)).toBe('deliver');
    expect(route(undefined, candidate(), true)).toBe('open');
    // A link an older initiator started (no attempt id) takes everything from that session.
    expect(route({ attempt: undefined }, offer(B), true)).toBe('deliver');
  });

  it('says in the log what was dropped and which attempts differ, with no more than the ids’ tails', () => {
    expect(describeStale(answer(B) as LinkSignal, { attempt: A })).toBe(`answer (its attempt …${B.slice(-6)}, this link's …${A.slice(-6)})`);
    expect(describeStale(candidate() as LinkSignal, undefined)).toBe('candidate (its attempt none, no link)');
    expect(describeStale(relay(B) as LinkSignal, undefined)).toBe(`relay offer (its attempt …${B.slice(-6)}, no link)`);
  });
});

describe('the attempt field on the wire', () => {
  const wire = { v: 2, n: 'N'.repeat(22), ts: 1, ...to };

  it('is kept on a signal and a relay offer, and may be absent (builds before attempts)', () => {
    expect(parseRendezvous({ ...wire, t: 'signal', signal: { type: 'answer' }, attempt: A })).toEqual({ t: 'signal', ...to, signal: { type: 'answer' }, attempt: A });
    expect(parseRendezvous({ ...wire, t: 'relay', addr: 'ab'.repeat(16), key: 'A'.repeat(43), attempt: A })).toMatchObject({ t: 'relay', attempt: A });
    expect(parseRendezvous({ ...wire, t: 'signal', signal: { type: 'answer' } })).toEqual({ t: 'signal', ...to, signal: { type: 'answer' } });
  });

  it('refuses a message whose attempt id is not 16 bytes of base64url', () => {
    for (const attempt of [A + 'A', A.slice(1), 'a'.repeat(10_000), '+'.repeat(22), 42, null, { id: A }]) {
      expect(parseRendezvous({ ...wire, t: 'signal', signal: { type: 'answer' }, attempt })).toBeNull();
      expect(parseRendezvous({ ...wire, t: 'relay', addr: 'ab'.repeat(16), key: 'A'.repeat(43), attempt })).toBeNull();
    }
  });
});
