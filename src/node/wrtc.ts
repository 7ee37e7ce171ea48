/**
 * WebRTC for Node: @roamhq/wrtc (libwebrtc's own data channels, prebuilt for Linux, macOS
 * and Windows), loaded on the first link and once per process. Where it cannot load (no
 * prebuilt binary for the platform), the peer still works: every link goes through the
 * server's blind relay, and one warning says so.
 *
 * Why @roamhq/wrtc and not node-datachannel (libdatachannel, about a third of the size):
 * every WebRTC test of this project already runs simple-peer on @roamhq/wrtc (the transport
 * contract, the malicious-peer suites), so the bot runs exactly the stack those tests prove;
 * node-datachannel would need its RTCPeerConnection polyfill under simple-peer and a second
 * native stack to keep green. docs/architecture.md §12.
 */
import type { Logger } from '../core/logger.js';

let loading: Promise<unknown> | null = null;

export function loadWrtc(logger: Logger): Promise<unknown> {
  loading ??= import('@roamhq/wrtc').then(
    (m) => (m as { default?: unknown }).default ?? m,
    (error: unknown) => {
      logger.warn('WebRTC for Node is not available here; every link goes through the relay', { error: String(error).slice(0, 200) });
      return null;
    },
  );
  return loading;
}
