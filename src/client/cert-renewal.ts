/**
 * Silent renewal of device certificates (docs/architecture.md §4.8).
 *
 * - The device holding the identity key renews its own certificate when less than
 *   CERT_RENEW_BEFORE_MS is left (or it has none with an expiry, from before expiry
 *   existed), at start and hourly.
 * - Any other device of the user asks for a renewal at the same point: it writes its current
 *   certificate under `ask:<device>` in the self doc's `certs` map. The identity holder
 *   answers an open ask with a new certificate under `<device>`, which the asking device
 *   checks (its key, its identity, a later end, the identity's signature) and adopts.
 * Devices are renewed only when they ask: one that went dark (an old browser profile, a
 * lost laptop nobody revoked) asks for nothing and its certificate runs out.
 *
 * Adopting a certificate stores the account, replaces `account.cert` in place (hellos and
 * requests present it from then on), and rewrites this device's member records, which is
 * what peers judge its writes by.
 */
import type { Account } from '../core/identity/account.js';
import { certificateEnd, CERT_LIFETIME_MS, CERT_RENEW_BEFORE_MS, issueCertificate, needsRenewal, verifyCertificate, type DeviceCertificate } from '../core/identity/certificate.js';
import type { VerifyKeyCache } from '../core/identity/keys.js';
import { Disposables } from '../core/lifecycle.js';
import { errorField, type Logger } from '../core/logger.js';
import type { AccountStore } from '../store/types.js';
import type { ConversationSession } from './conversation-session.js';
import type { SelfSession } from './self-session.js';

const CHECK_EVERY_MS = 60 * 60 * 1000;
/** Self doc changes come in bursts: look once they settle. */
const REFRESH_DELAY_MS = 200;
export const ASK_PREFIX = 'ask:';

export interface CertRenewalParts {
  readonly account: () => Account | null;
  readonly self: () => SelfSession | null;
  readonly sessions: () => Iterable<ConversationSession>;
  readonly accounts: AccountStore;
  readonly verifyKeys: VerifyKeyCache;
  readonly now: () => number;
  readonly logger: Logger;
  /** This device adopted a new certificate. */
  readonly renewed: () => void;
}

export class CertRenewal {
  private pending = false;
  private running: Promise<void> = Promise.resolve();
  private readonly disposables = new Disposables();

  constructor(private readonly parts: CertRenewalParts) {}

  /** Checks now and hourly; resolves after the first check. */
  start(): Promise<void> {
    this.disposables.interval(() => this.refresh(), CHECK_EVERY_MS);
    return this.checkNow();
  }

  /** Checks again soon (the self doc changed: an ask or a renewal may have arrived). */
  refresh(): void {
    if (this.pending || this.disposables.isDisposed) return;
    this.pending = true;
    this.disposables.timeout(() => {
      this.pending = false;
      void this.checkNow();
    }, REFRESH_DELAY_MS);
  }


  destroy(): void {
    this.disposables.dispose();
  }

  /** Checks now, after any check under way; resolves when done (failures are logged). */
  checkNow(): Promise<void> {
    this.running = this.running.then(() => this.check()).catch((error: unknown) => this.parts.logger.warn('certificate renewal failed', { error: errorField(error) }));
    return this.running;
  }

  private async check(): Promise<void> {
    const account = this.parts.account();
    const self = this.parts.self();
    if (!account || !self || this.disposables.isDisposed) return;
    const now = this.parts.now();
    if (account.identityKeys) {
      const identity = { public: account.identity, ...account.identityKeys };
      if (needsRenewal(account.cert, now)) await this.adopt(account, self, await issueCertificate(identity, account.device.public, now));
      for (const { device, devicePublic } of this.openAsks(account, self, now)) {
        await self.setCert(device, await issueCertificate(identity, devicePublic, now));
      }
      return;
    }
    const granted = self.certRecord(account.device.id)?.cert;
    if (granted && (await this.acceptable(account, granted))) return this.adopt(account, self, granted);
    if (needsRenewal(account.cert, now) && self.certRecord(ASK_PREFIX + account.device.id)?.cert.sig !== account.cert.sig) {
      await self.setCert(ASK_PREFIX + account.device.id, account.cert);
    }
  }

  /**
   * Asks the identity holder should answer: written by the asking device itself (its
   * member key signed it), of this identity, not revoked, within a certificate lifetime,
   * and not yet answered by a certificate that no longer needs renewal.
   */
  private *openAsks(account: Account, self: SelfSession, now: number): Iterable<{ device: string; devicePublic: string }> {
    const { directory } = self.synced;
    for (const [device, member] of directory.members()) {
      if (device === account.device.id || member.cert.identity.sign !== account.identity.sign || directory.revocation(device)) continue;
      const ask = self.certRecord(ASK_PREFIX + device);
      if (!ask || ask.by !== device || ask.at < now - CERT_LIFETIME_MS) continue;
      const granted = self.certRecord(device)?.cert;
      const end = Math.max(directory.certEnd(device), granted?.device === member.device ? certificateEnd(granted) : -Infinity);
      if (end - now >= CERT_RENEW_BEFORE_MS) continue;
      yield { device, devicePublic: member.device };
    }
  }

  /** A certificate for exactly this device and identity, ending later than the current one, signed by the identity. */
  private async acceptable(account: Account, cert: DeviceCertificate): Promise<boolean> {
    if (cert.device !== account.device.public || cert.identity.sign !== account.identity.sign || cert.identity.dh !== account.identity.dh) return false;
    if (certificateEnd(cert) <= certificateEnd(account.cert)) return false;
    return verifyCertificate(this.parts.verifyKeys, cert);
  }

  private async adopt(account: Account, self: SelfSession, cert: DeviceCertificate): Promise<void> {
    await this.parts.accounts.put({ ...account, cert });
    account.cert = cert;
    this.parts.logger.info('device certificate renewed', { expires: cert.expires ?? 'never' });
    await self.synced.ensureMember(account.name, account.avatar);
    // Conversations not loaded yet write theirs when they load (ConversationSession.open).
    for (const session of this.parts.sessions()) {
      if (session.ready && !session.ended) await session.synced.ensureMember(account.name, account.avatar).catch((error: unknown) => this.parts.logger.warn('member record not renewed', { error: errorField(error) }));
    }
    this.parts.renewed();
  }
}
