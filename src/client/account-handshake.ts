/**
 * The handshake that proves this device's account to peers (docs/architecture.md §5.3): its
 * certificate in every hello and rendezvous message. Apart from account.ts, which creates
 * the account at start-up, since only the mesh uses it and the page loads the mesh after
 * the first screen (§11).
 */
import { createHello, signRendezvous, verifyHello, verifyRendezvous, type HelloContext, type PeerIdentity } from '../core/identity/handshake.js';
import type { VerifyKeyCache } from '../core/identity/keys.js';
import type { Handshake } from '../net/policy.js';
import type { Account } from '../store/types.js';

/** The mesh's handshake, reading the account at connection time (it may change). */
export function accountHandshake(account: () => Account | null, keys: VerifyKeyCache): Handshake {
  return {
    async hello(context: HelloContext): Promise<Uint8Array> {
      const me = account();
      if (!me) throw new Error('no account yet');
      return createHello(me.cert, me.device.signPrivate, context);
    },
    verify: (payload: Uint8Array, context: HelloContext): Promise<PeerIdentity | null> => verifyHello(keys, payload, context),
    async signRendezvous(body) {
      const me = account();
      if (!me) return null;
      return { cert: me.cert, sig: await signRendezvous(me.cert, me.device.signPrivate, body) };
    },
    verifyRendezvous: (body, cert, sig) => verifyRendezvous(keys, body, cert, sig),
  };
}
