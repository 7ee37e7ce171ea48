/**
 * Both ends of linking a device (see core/identity/device-link):
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
import { deriveChannel, type ChannelKeys } from '../core/keys.js';
import { openMessage, sealMessage } from '../net/sealed-channel.js';
import type { SignalingClient } from '../net/signaling-client.js';
import type { Account } from '../store/types.js';
import { ClientError } from './errors.js';

const OFFER_TTL_MS = 10 * 60_000;
const REQUEST_EVERY_MS = 1_500;
const REQUEST_TIMEOUT_MS = 2 * 60_000;

export type OfferEvents = {
  /** A device was certified and received the account secrets. */
  linked: (device: string, label: string) => void;
  expired: () => void;
};

export class DeviceLinkOffer extends ObservableV2<OfferEvents> {
  readonly url: string;
  private used = false;
  private readonly timer: ReturnType<typeof setTimeout>;

  private constructor(
    private readonly account: Account,
    private readonly signaling: SignalingClient,
    private readonly channel: ChannelKeys,
    secret: Uint8Array,
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

  static async open(account: Account, signaling: SignalingClient, appUrl: string, now: () => number): Promise<DeviceLinkOffer> {
    if (!account.identityKeys) throw new ClientError('needs-first-device', { detail: { action: 'link-device' } });
    const secret = randomBytes(DEVICE_LINK_SECRET_BYTES);
    return new DeviceLinkOffer(account, signaling, await deriveChannel(secret, DEVICE_LINK_PURPOSE), secret, appUrl, now);
  }

  close(): void {
    clearTimeout(this.timer);
    this.signaling.off('message', this.onMessage);
    this.signaling.unsubscribe(this.channel.topic);
  }

  private readonly onMessage = (topic: string, data: unknown): void => {
    if (topic !== this.channel.topic || this.used) return;
    void (async () => {
      const request = await openMessage(this.channel.key, topic, data);
      if (!isLinkRequest(request) || this.used) return;
      this.used = true; // one-time: the first request wins, the link is spent
      await this.grant(request);
      this.close();
      this.emit('linked', [deviceIdOf(request.device), request.label]);
    })().catch((error) => console.warn('parley: device link failed', error));
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
  signaling: SignalingClient,
  keys: VerifyKeyCache,
  label: string,
  now: () => number,
): Promise<Account> {
  const channel = await deriveChannel(parseDeviceLink(linkText), DEVICE_LINK_PURPOSE);
  const device: DeviceKeys = await createDeviceKeys();
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
