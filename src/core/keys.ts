/**
 * Conversation key schedule (docs/architecture.md §4).
 *
 * Everything about a conversation that touches the network is derived from one 32-byte
 * secret with HKDF-SHA-256, each output under its own `info` label, so learning one output
 * (the topic, which the server sees) reveals nothing about the others.
 */
import { asBufferSource, toBase64Url, toHex, utf8 } from './bytes.js';
import type { Topic } from './ids.js';

export const SECRET_BYTES = 32;
const SALT = utf8('parley/v1');

/** Labels are part of the protocol: changing one changes every derived value. */
export const KeyLabels = {
  topic: 'parley topic',
  signaling: 'parley signaling key',
  mailboxKey: 'parley mailbox key',
  mailboxToken: 'parley mailbox token',
  auth: 'parley membership auth',
  presence: 'parley presence key',
} as const;

export interface ConversationKeys {
  /** Opaque signaling topic and local conversation id; safe to show the server. */
  readonly topic: Topic;
  /** AES-GCM-256 key for every payload published on the topic. */
  readonly signalingKey: CryptoKey;
  /** AES-GCM-256 key for mailbox blobs. */
  readonly mailboxKey: CryptoKey;
  /** Bearer token proving mailbox rights to the server; reveals nothing about the keys. */
  readonly mailboxToken: string;
  /** HMAC-SHA-256 key peers use to prove membership on a data channel. */
  readonly authKey: CryptoKey;
  /** HMAC-SHA-256 key that turns an identity into this conversation's opaque presence id. */
  readonly presenceKey: CryptoKey;
}

export class InvalidSecretError extends Error {
  override readonly name = 'InvalidSecretError';
}

async function hkdfBits(base: CryptoKey, label: string, bits: number): Promise<Uint8Array> {
  const out = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: asBufferSource(SALT), info: asBufferSource(utf8(label)) },
    base,
    bits,
  );
  return new Uint8Array(out);
}

function hkdfKey(base: CryptoKey, label: string, algorithm: AesKeyGenParams | HmacImportParams, usages: KeyUsage[]) {
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: asBufferSource(SALT), info: asBufferSource(utf8(label)) },
    base,
    algorithm,
    false,
    usages,
  );
}

export async function deriveConversationKeys(secret: Uint8Array): Promise<ConversationKeys> {
  if (secret.length !== SECRET_BYTES) {
    throw new InvalidSecretError(`conversation secret must be ${SECRET_BYTES} bytes, got ${secret.length}`);
  }
  const base = await crypto.subtle.importKey('raw', asBufferSource(secret), 'HKDF', false, ['deriveBits', 'deriveKey']);
  const aes: AesKeyGenParams = { name: 'AES-GCM', length: 256 };
  const hmac: HmacImportParams = { name: 'HMAC', hash: 'SHA-256', length: 256 };
  const [topic, signalingKey, mailboxKey, token, authKey, presenceKey] = await Promise.all([
    hkdfBits(base, KeyLabels.topic, 128),
    hkdfKey(base, KeyLabels.signaling, aes, ['encrypt', 'decrypt']),
    hkdfKey(base, KeyLabels.mailboxKey, aes, ['encrypt', 'decrypt']),
    hkdfBits(base, KeyLabels.mailboxToken, 256),
    hkdfKey(base, KeyLabels.auth, hmac, ['sign', 'verify']),
    hkdfKey(base, KeyLabels.presence, hmac, ['sign']),
  ]);
  return {
    topic: toHex(topic) as Topic,
    signalingKey,
    mailboxKey,
    mailboxToken: toBase64Url(token),
    authKey,
    presenceKey,
  };
}

/**
 * The opaque id under which `identity` is online in one conversation: only members (who
 * hold the conversation secret) can compute it, and ids of one person in two
 * conversations cannot be linked by the server from their values.
 */
export async function presenceId(keys: Pick<ConversationKeys, 'presenceKey'>, identity: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', keys.presenceKey, asBufferSource(utf8(`presence\n${identity}`)));
  return toHex(new Uint8Array(mac).slice(0, 16));
}

/** A sealed rendezvous channel: an opaque topic plus the AES-GCM key for its payloads. */
export interface ChannelKeys {
  readonly topic: Topic;
  readonly key: CryptoKey;
}

/**
 * Derives a channel from a secret for one purpose (a contact inbox, a device-link session).
 * The label separates purposes, so one secret never opens two channels.
 */
export async function deriveChannel(secret: Uint8Array, purpose: string): Promise<ChannelKeys> {
  const base = await crypto.subtle.importKey('raw', asBufferSource(secret), 'HKDF', false, ['deriveBits', 'deriveKey']);
  const [topic, key] = await Promise.all([
    hkdfBits(base, `parley ${purpose} topic`, 128),
    hkdfKey(base, `parley ${purpose} key`, { name: 'AES-GCM', length: 256 }, ['encrypt', 'decrypt']),
  ]);
  return { topic: toHex(topic) as Topic, key };
}
