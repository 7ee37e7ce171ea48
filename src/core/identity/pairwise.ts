/**
 * The 1:1 conversation secret: X25519 between the two identities, then HKDF bound to both
 * signing keys (sorted, so both sides compute the same bytes). Both people derive the same
 * topic and keys with no server involved, and nobody else can.
 */
import { asBufferSource, fromBase64Url, utf8 } from '../bytes.js';
import { KeyError, type IdentityKeys, type PublicIdentity } from './keys.js';

export async function derivePairSecret(mine: IdentityKeys, theirs: PublicIdentity): Promise<Uint8Array> {
  const theirDh = fromBase64Url(theirs.dh);
  if (!theirDh || theirDh.length !== 32) throw new KeyError('contact agreement key must be 32 bytes');
  const publicKey = await crypto.subtle.importKey('raw', asBufferSource(theirDh), { name: 'X25519' }, false, []);
  const shared = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: publicKey }, mine.dhPrivate, 256));
  if (shared.every((b) => b === 0)) throw new KeyError('contact agreement key is a low-order point');
  const base = await crypto.subtle.importKey('raw', asBufferSource(shared), 'HKDF', false, ['deriveBits']);
  const pair = [mine.public.sign, theirs.sign].sort().join('\n');
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: asBufferSource(utf8('parley/v1')), info: asBufferSource(utf8(`parley 1:1 secret\n${pair}`)) },
    base,
    256,
  );
  return new Uint8Array(bits);
}
