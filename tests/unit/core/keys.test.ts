/**
 * Key derivation (docs/architecture.md §4). The fixed vectors pin the protocol: any change to the
 * salt or labels breaks every existing invite link, and these tests say so.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toBase64Url, utf8 } from '../../../src/core/bytes.js';
import { deriveConversationKeys, InvalidSecretError, KeyLabels } from '../../../src/core/keys.js';
import { open, seal, SealError } from '../../../src/core/sealed.js';

const SECRET = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')!;

/** Independent HKDF-SHA-256 (RFC 5869) via Node's crypto, to cross-check WebCrypto use. */
async function nodeHkdf(label: string, bytes: number): Promise<Uint8Array> {
  const { hkdfSync } = await import('node:crypto');
  return new Uint8Array(hkdfSync('sha256', SECRET, utf8('parley/v1'), utf8(label), bytes));
}

describe('conversation key derivation', () => {
  it('derives the topic and mailbox token as RFC 5869 HKDF-SHA-256 does', async () => {
    const keys = await deriveConversationKeys(SECRET);
    expect(keys.topic).toBe(Buffer.from(await nodeHkdf(KeyLabels.topic, 16)).toString('hex'));
    expect(keys.mailboxToken).toBe(toBase64Url(await nodeHkdf(KeyLabels.mailboxToken, 32)));
  });

  it('matches the pinned vectors', async () => {
    const keys = await deriveConversationKeys(SECRET);
    expect(keys.topic).toBe('0a9aca2a436f277086565fbd3357c0cf');
    expect(keys.mailboxToken).toBe('MrBpXm9-yzbycgcLmNmpPy6owwI59LByD81KeFGwLs4');
  });

  it('is deterministic, so every member derives the same topic and keys', async () => {
    const a = await deriveConversationKeys(SECRET);
    const b = await deriveConversationKeys(SECRET.slice());
    expect(a.topic).toBe(b.topic);
    const sealed = await seal(a.signalingKey, utf8('hello'));
    expect(new TextDecoder().decode(await open(b.signalingKey, sealed))).toBe('hello');
  });

  it('separates the keys: the topic reveals nothing and keys do not open each other', async () => {
    const keys = await deriveConversationKeys(SECRET);
    expect(keys.topic).not.toContain(Buffer.from(SECRET).toString('hex').slice(0, 8));
    const sealed = await seal(keys.signalingKey, utf8('x'));
    await expect(open(keys.mailboxKey, sealed)).rejects.toBeInstanceOf(SealError);
  });

  it('different secrets give different topics', async () => {
    const other = SECRET.slice();
    other[0] = 1;
    expect((await deriveConversationKeys(other)).topic).not.toBe((await deriveConversationKeys(SECRET)).topic);
  });

  it('refuses secrets of the wrong size', async () => {
    await expect(deriveConversationKeys(new Uint8Array(31))).rejects.toBeInstanceOf(InvalidSecretError);
  });
});

describe('sealing', () => {
  it('rejects tampering, truncation and the wrong associated data', async () => {
    const { signalingKey } = await deriveConversationKeys(SECRET);
    const sealed = await seal(signalingKey, utf8('secret words'), utf8('topic-a'));
    const flipped = sealed.slice();
    flipped[20] = flipped[20]! ^ 1;
    await expect(open(signalingKey, flipped, utf8('topic-a'))).rejects.toBeInstanceOf(SealError);
    await expect(open(signalingKey, sealed.slice(0, 20), utf8('topic-a'))).rejects.toBeInstanceOf(SealError);
    await expect(open(signalingKey, sealed, utf8('topic-b'))).rejects.toBeInstanceOf(SealError);
    expect(new TextDecoder().decode(await open(signalingKey, sealed, utf8('topic-a')))).toBe('secret words');
  });
});
