/**
 * Both ends of linking a device (docs/architecture.md §4.10; core/identity/device-link):
 * - `DeviceLinkOffer` runs on a device that holds the identity keys and answers one request;
 * - `requestDeviceLink` runs on the new device and resolves with its new account.
 */
import { ObservableV2 } from 'lib0/observable';
import { randomBytes } from '../core/bytes.js';
import { issueCertificate, verifyCertificate } from '../core/identity/certificate.js';
import {
  DEVICE_LINK_PURPOSE,
  DEVICE_LINK_SECRET_BYTES,
  deviceLinkUrl,
  isLinkGrant,
  isLinkRequest,
  parseDeviceLink,
  type LinkGrant,
  type LinkRequest,
} from '../core/identity/device-link.js';
import { createDeviceKeys, deviceIdOf, type DeviceKeys, type VerifyKeyCache } from '../core/identity/keys.js';
import { linkCode } from '../core/identity/link-code.js';
import { deriveChannel, type ChannelKeys } from '../core/keys.js';
import { openMessage, sealMessage } from '../net/sealed-channel.js';
import type { Signaling } from '../net/signaling-port.js';
import type { Account } from '../store/types.js';
import { ClientError } from './errors.js';
import { createDeviceDh } from './account.js';

/** An unused link stops working after this (docs/architecture.md §4.10). */
const OFFER_TTL_MS = 5 * 60_000;
const REQUEST_EVERY_MS = 1_500;
const REQUEST_TIMEOUT_MS = 2 * 60_000;

/** A device asking to join, shown to the user before anything is granted. */
export interface LinkAsk {
  readonly device: string;
  readonly label: string;
  /** Six digits both devices show; the user confirms they match. */
  readonly code: string;
}

export type OfferEvents = {
  /** A device asked to join: show its details and code, then `confirm()` or `refuse()`. */
  asked: (ask: LinkAsk) => void;
  /** A device was certified and received the account secrets. */
  linked: (device: string, label: string) => void;
  /** The user refused the device; the link is spent. */
  refused: () => void;
  expired: () => void;
};

export class DeviceLinkOffer extends ObservableV2<OfferEvents> {
  readonly url: string;
  private used = false;
  /** The first request, waiting for the user's answer; nothing is granted before it. */
  private waiting: { request: LinkRequest; ask: LinkAsk } | null = null;
  private readonly timer: ReturnType<typeof setTimeout>;

  private constructor(
    private readonly account: Account,
    private readonly signaling: Signaling,
    private readonly channel: ChannelKeys,
    private readonly secret: Uint8Array,
    appUrl: string,
    private readonly now: () => number,
  ) {
    super();
    this.url = deviceLinkUrl(appUrl, secret);
    signaling.on('message', this.onMessage);
    signaling.subscribe(channel.topic);
    this.timer = setTimeout(() => {
      this.close();
      this.emit('expired', []);
    }, OFFER_TTL_MS);
  }

  static async open(account: Account, signaling: Signaling, appUrl: string, now: () => number): Promise<DeviceLinkOffer> {
    if (!account.identityKeys) throw new ClientError('needs-first-device', { detail: { action: 'link-device' } });
    const secret = randomBytes(DEVICE_LINK_SECRET_BYTES);
    return new DeviceLinkOffer(account, signaling, await deriveChannel(secret, DEVICE_LINK_PURPOSE), secret, appUrl, now);
  }

  close(): void {
    clearTimeout(this.timer);
    this.signaling.off('message', this.onMessage);
    this.signaling.unsubscribe(this.channel.topic);
  }

  /** The device waiting for an answer, if any. */
  get asking(): LinkAsk | null {
    return this.waiting?.ask ?? null;
  }

  /** The user saw the same code on the new device: certify it and hand it the account. */
  async confirm(): Promise<void> {
    const waiting = this.waiting;
    if (!waiting) throw new ClientError('no-such-request');
    this.waiting = null;
    await this.grant(waiting.request);
    this.close();
    this.emit('linked', [deviceIdOf(waiting.request.device), waiting.request.label]);
  }

  /** The user does not recognise the device: nothing is granted and the link is spent. */
  refuse(): void {
    this.waiting = null;
    this.close();
    this.emit('refused', []);
  }

  private readonly onMessage = (topic: string, data: unknown): void => {
    if (topic !== this.channel.topic || this.used) return;
    void (async () => {
      const request = await openMessage(this.channel.key, topic, data);
      if (!isLinkRequest(request) || this.used) return;
      // One-time: the first request is the only one ever shown. A device that raced the
      // real one shows a code the user will not see on their new device, and is refused.
      this.used = true;
      const ask: LinkAsk = { device: deviceIdOf(request.device), label: request.label, code: linkCode(this.secret, request.device) };
      this.waiting = { request, ask };
      this.emit('asked', [ask]);
    })().catch(() => undefined);
  };

  private async grant(request: LinkRequest): Promise<void> {
    const a = this.account;
    const identity = { public: a.identity, signPrivate: a.identityKeys!.signPrivate, dhPrivate: a.identityKeys!.dhPrivate };
    const cert = await issueCertificate(identity, request.device, this.now());
    const grant: LinkGrant = {
      t: 'link-grant',
      cert,
      name: a.name,
      ...(a.avatar ? { avatar: a.avatar } : {}),
      selfSecret: a.selfSecret,
      contactSecret: a.contactSecret,
    };
    // Repeat a few times: the new device may miss one publish while it reconnects.
    for (let i = 0; i < 3; i++) {
      this.signaling.publish(this.channel.topic, await sealMessage(this.channel.key, this.channel.topic, grant));
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * On a new device: makes a device key, asks over the link's channel to be certified, and
 * resolves with the complete account once the existing device answers.
 */
export async function requestDeviceLink(
  linkText: string,
  signaling: Signaling,
  keys: VerifyKeyCache,
  label: string,
  now: () => number,
  onCode: (code: string) => void = () => undefined,
): Promise<Account> {
  const secret = parseDeviceLink(linkText);
  const channel = await deriveChannel(secret, DEVICE_LINK_PURPOSE);
  const device: DeviceKeys = await createDeviceKeys();
  onCode(linkCode(secret, device.public));
  const dh = await createDeviceDh(now());
  const request: LinkRequest = { t: 'link-request', device: device.public, label: label.slice(0, 80) };
  signaling.subscribe(channel.topic);
  try {
    return await new Promise<Account>((resolve, reject) => {
      const send = async () => signaling.publish(channel.topic, await sealMessage(channel.key, channel.topic, request));
      const repeat = setInterval(() => void send(), REQUEST_EVERY_MS);
      const timeout = setTimeout(() => finish(new ClientError('link-timeout')), REQUEST_TIMEOUT_MS);
      const onMessage = (topic: string, data: unknown): void => {
        if (topic !== channel.topic) return;
        void (async () => {
          const grant = await openMessage(channel.key, topic, data);
          if (!isLinkGrant(grant, device.public) || !(await verifyCertificate(keys, grant.cert))) return;
          finish(null, {
            name: grant.name,
            ...(grant.avatar ? { avatar: grant.avatar } : {}),
            createdAt: now(),
            identity: grant.cert.identity,
            identityKeys: null,
            dh: [dh],
            device,
            cert: grant.cert,
            selfSecret: grant.selfSecret,
            contactSecret: grant.contactSecret,
          });
        })();
      };
      const finish = (error: Error | null, account?: Account): void => {
        clearInterval(repeat);
        clearTimeout(timeout);
        signaling.off('message', onMessage);
        if (error) reject(error);
        else resolve(account!);
      };
      signaling.on('message', onMessage);
      void send();
    });
  } finally {
    signaling.unsubscribe(channel.topic);
  }
}
