/**
 * The page's network (docs/architecture.md §5, §11): the signaling socket, the mesh with its
 * links, rendezvous, room sync and relay fallback, and the other tabs' sync. The composition
 * root (`main.ts`) imports this module only with `import()`, once the list of conversations
 * has shown from storage: the first screen draws without any of it. The client started
 * before it, on a `SignalingSlot` and on promises of the mesh and the tabs; what it asked of
 * them meanwhile runs now (`client/network-handles.ts`).
 */
import { accountHandshake } from './client/account-handshake.js';
import type { VerifyKeyCache } from './core/identity/keys.js';
import type { Logger } from './core/logger.js';
import type { BulkHost } from './net/files/bulk-lane.js';
import { DeferredTransport } from './net/deferred-transport.js';
import { Mesh } from './net/mesh.js';
import { SignalingClient } from './net/signaling-client.js';
import type { SignalingSlot } from './net/signaling-slot.js';
import { TabSync } from './net/tab-sync.js';
import type { Account } from './store/types.js';

export interface PageNetworkParts {
  readonly serverUrl: string;
  /** Where the client's services wait for the socket. */
  readonly slot: SignalingSlot;
  readonly verifyKeys: VerifyKeyCache;
  /** This device's account as soon as it exists: the handshake reads it when a peer connects. */
  readonly account: () => Account | null;
  readonly iceServers: readonly RTCIceServer[];
  /** The bulk worker's host for direct links; undefined when the files part failed to load. */
  readonly bulk: Promise<BulkHost | undefined>;
  readonly logger: Logger;
}

export interface PageNetwork {
  readonly mesh: Mesh;
  readonly tabs: TabSync | null;
}

/** Builds the mesh and the tabs' sync, and opens the socket into the client's slot. */
export function startPageNetwork(parts: PageNetworkParts): PageNetwork {
  const { iceServers } = parts;
  // With relay on, the socket asks for a relay address: links fall back to the server's blind relay.
  const signaling = new SignalingClient({ url: parts.serverUrl, relay: true });
  const mesh = new Mesh({
    signaling,
    logger: parts.logger,
    handshake: accountHandshake(parts.account, parts.verifyKeys),
    // WebRTC code loads when the first peer appears, not with the mesh. One worker takes every
    // direct link's file chunks off this page's thread (§14.2); links made before it exists
    // wait for it.
    createTransport: ({ initiator, onSignal }) =>
      new DeferredTransport(async () => {
        const [{ SimplePeerTransport }, host] = await Promise.all([import('./net/simple-peer-transport.js'), parts.bulk]);
        return new SimplePeerTransport({ initiator, iceServers, onSignal, ...(host ? { bulk: host } : {}) });
      }).start(),
  }).start();
  // Other tabs of this profile, over BroadcastChannel: they stay in step with no network.
  const tabs = TabSync.forBrowser();
  parts.slot.fill(signaling);
  signaling.start();
  return { mesh, tabs };
}
