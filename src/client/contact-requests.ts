/**
 * Contact requests waiting for an answer (docs/architecture.md §8.4). Anyone holding the
 * user's contact link can knock, so knocking costs the recipient little and leaves nothing
 * behind:
 * - requests are kept in memory only, never in the self doc, until the user accepts or
 *   blocks (senders re-send every few seconds while they wait, so nothing is lost);
 * - each sender identity is heard at most once per `perSenderMs`, and at most
 *   `verifyPerMinute` requests a minute are verified at all (two Ed25519 checks each);
 *   a request that fails its checks gives its claimed sender's turn back (anyone can claim
 *   any identity, and a forgery must not silence the real sender);
 * - at most `maxPending` wait at once (further new senders are dropped until some expire),
 *   checked before the signature checks (`admit`, to spare them when the list is full) and
 *   again where a verified request is kept (`add`): requests checked at the same time all
 *   pass the first check before any of them is kept;
 * - a request not repeated for `ttlMs` expires;
 * - a reply from someone the user asked (a stored outgoing contact) is *expected*: neither
 *   the cap nor the minute's checks refuse it, only its sender's own turn, so a flood of
 *   strangers cannot keep the user's own requests from being answered. Anyone may claim
 *   that identity, but a claim costs one free check per `perSenderMs` per person the user
 *   asked (a forged one keeps that turn spent: `refuted`), and any more come from that
 *   person's own `replyVerifyPerMinute`, never from the strangers' minute: forged replies
 *   cannot starve strangers' requests, nor strangers a reply.
 */
import type { ContactRequest } from '../core/identity/contact-request.js';
import type { IdentityId } from '../core/identity/keys.js';

export interface RequestLimits {
  readonly maxPending: number;
  readonly perSenderMs: number;
  readonly verifyPerMinute: number;
  /** Checks a minute of claims to be one person the user asked, within turns forgeries spent. */
  readonly replyVerifyPerMinute: number;
  readonly ttlMs: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  maxPending: 50,
  perSenderMs: 10_000,
  verifyPerMinute: 60,
  // The real reply comes every 15 s; with the free turn, a forger of one person costs 12 pairs a minute.
  replyVerifyPerMinute: 6,
  // Senders knock every 15 s while online; a request unheard for a day has been withdrawn.
  ttlMs: 24 * 60 * 60 * 1000,
};

/** What `add` did with a verified request. */
export type Kept = 'added' | 'refreshed' | 'full';

interface Pending {
  request: ContactRequest;
  firstAt: number;
  lastAt: number;
}

export class PendingRequests {
  private readonly pending = new Map<IdentityId, Pending>();
  private readonly heard = new Map<string, number>();
  /** Expected senders whose free turn a forged reply spent (`refuted`); at most one per heard sender. */
  private readonly forged = new Set<string>();
  private verifications: number[] = [];
  /** Per person the user asked: when claims within a spent turn were checked (`replyVerifyPerMinute`). */
  private readonly replyChecks = new Map<string, number[]>();

  constructor(
    private readonly now: () => number,
    private readonly limits: RequestLimits = DEFAULT_REQUEST_LIMITS,
  ) {}

  /**
   * Whether a request claiming to come from `identity`, arrived `now`, is worth verifying.
   * Checked before any signature: a flood costs a map lookup per message. `expected`: the
   * user asked this identity, so its request is a reply and is not held to the cap or the
   * minute's checks (it is accepted, never kept waiting).
   */
  admit(identity: string, now = this.now(), expected = false): boolean {
    const last = this.heard.get(identity);
    const inTurn = last !== undefined && now - last < this.limits.perSenderMs;
    // A forged reply spent its claimed sender's free turn (see `refuted`): within that turn a
    // further claim is checked on that person's own budget. On the strangers' minute, a flood
    // of forged replies left no checks for strangers, and strangers none for the real reply.
    if (inTurn && expected && this.forged.has(identity)) return this.spendReplyCheck(identity, now);
    if (inTurn) return false;
    if (!expected) {
      this.verifications = this.verifications.filter((t) => now - t < 60_000);
      if (this.verifications.length >= this.limits.verifyPerMinute) return false;
      const known = this.pending.has(identity as IdentityId);
      if (!known && this.size() >= this.limits.maxPending) return false;
      this.verifications.push(now);
    }
    this.heard.set(identity, now);
    this.forged.delete(identity);
    if (this.heard.size > this.limits.maxPending * 20) this.forgetOldSenders(now);
    return true;
  }

  /**
   * A request `admit` let through failed its checks: a stranger's does not spend its claimed
   * sender's turn (the minute's checks bound those). An expected reply's does: its checks
   * are free once per turn, and were the turn given back, a forger claiming someone the user
   * asked would have every claim checked, without bound. The real reply still gets through
   * within that turn, on the minute's checks (`admit`).
   */
  refuted(identity: string, expected = false): void {
    if (expected) this.forged.add(identity);
    else this.heard.delete(identity);
  }

  /** One check of a claim to be `identity`, someone the user asked, within a turn a forgery spent. */
  private spendReplyCheck(identity: string, now: number): boolean {
    const recent = (this.replyChecks.get(identity) ?? []).filter((t) => now - t < 60_000);
    const allowed = recent.length < this.limits.replyVerifyPerMinute;
    if (allowed) recent.push(now);
    this.replyChecks.set(identity, recent);
    return allowed;
  }

  /** Keeps a verified request: a new one while fewer than `maxPending` wait; one already waiting is refreshed. */
  add(request: ContactRequest): Kept {
    const now = this.now();
    const identity = request.cert.identity.sign;
    const known = this.pending.get(identity);
    if (known) {
      known.request = request;
      known.lastAt = now;
      return 'refreshed';
    }
    if (this.size() >= this.limits.maxPending) return 'full';
    this.pending.set(identity, { request, firstAt: now, lastAt: now });
    return 'added';
  }

  get(identity: IdentityId): { request: ContactRequest; firstAt: number } | null {
    this.expire();
    return this.pending.get(identity) ?? null;
  }

  /** Waiting requests, oldest first. */
  list(): Array<{ request: ContactRequest; firstAt: number }> {
    this.expire();
    return [...this.pending.values()].sort((a, b) => a.firstAt - b.firstAt);
  }

  remove(identity: IdentityId): void {
    this.pending.delete(identity);
  }

  size(): number {
    this.expire();
    return this.pending.size;
  }

  private expire(): void {
    const now = this.now();
    for (const [identity, p] of this.pending) if (now - p.lastAt > this.limits.ttlMs) this.pending.delete(identity);
  }

  private forgetOldSenders(now: number): void {
    for (const [identity, at] of this.heard) {
      if (now - at < this.limits.perSenderMs) continue;
      this.heard.delete(identity);
      this.forged.delete(identity);
    }
    for (const [identity, times] of this.replyChecks) if (times.every((t) => now - t >= 60_000)) this.replyChecks.delete(identity);
  }
}
