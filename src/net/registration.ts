/**
 * Registers this device with the signaling server on every connection: ask for a nonce,
 * sign it with the device key, send the public key and signature. The server then knows
 * that this socket holds that key — and nothing more about the user.
 */
import { ObservableV2 } from 'lib0/observable';
import { errorField, silentLogger, type Logger } from '../core/logger.js';
import type { ServerMessage } from '../core/wire/signaling.js';
import { registrationText } from '../core/wire/signaling-terms.js';
import type { Signaling } from './signaling-port.js';

export interface DeviceSigner {
  /** Ed25519 public key, base64url. */
  readonly key: string;
  sign(text: string): Promise<string>;
}

export type RegistrationEvents = { registered: (key: string) => void };

export class DeviceRegistration extends ObservableV2<RegistrationEvents> {
  private registeredKey: string | null = null;
  /** One challenge per connection: the server keeps only the latest nonce. */
  private challenged = false;

  constructor(
    private readonly signaling: Signaling,
    private readonly signer: () => DeviceSigner | null,
    private readonly logger: Logger = silentLogger,
  ) {
    super();
    signaling.on('status', this.onStatus);
    signaling.on('control', this.onControl);
  }

  /** True while the current connection is registered. */
  get registered(): boolean {
    return this.registeredKey !== null;
  }

  /** Registers now if connected and not yet registered (e.g. right after the account was created); later connections register by themselves. */
  start(): void {
    if (this.challenged || this.registeredKey || !this.signer()) return;
    this.challenged = this.signaling.send({ type: 'challenge' });
  }

  override destroy(): void {
    this.signaling.off('status', this.onStatus);
    this.signaling.off('control', this.onControl);
    super.destroy();
  }

  private readonly onStatus = (status: string): void => {
    this.registeredKey = null;
    this.challenged = false;
    if (status === 'connected') this.start();
  };

  private readonly onControl = (message: ServerMessage): void => {
    if (message.type === 'challenge') {
      const signer = this.signer();
      if (!signer) return;
      void signer
        .sign(registrationText(message.nonce, signer.key))
        .then((sig) => this.signaling.send({ type: 'register', key: signer.key, sig }))
        .catch((error) => this.logger.warn('registration signing failed', { error: errorField(error) }));
    } else if (message.type === 'registered') {
      this.registeredKey = message.key;
      this.emit('registered', [message.key]);
    }
  };
}
