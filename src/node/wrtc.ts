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
 *
 * Every connection made through the module this hands out is held until it is quiet
 * (`quiet`): wrtc delivers a closed connection's last events (its state changes to closed,
 * each data channel's 'close') from its own threads after `close()` has returned,
 * while simple-peer lets go of the connection and its channel as it closes them. A native
 * object the garbage collector finalizes with such a callback still pending, or a process
 * that exits then, can crash (docs/architecture.md §12, "Teardown").
 */
import type { Logger } from '../core/logger.js';

/** The part of @roamhq/wrtc this module changes; the rest is handed on as it is. */
interface WrtcModule {
  readonly RTCPeerConnection: new (config?: RTCConfiguration) => RTCPeerConnection;
}

/**
 * How long a closed connection's channels may take to deliver their 'close' before the
 * connection is let go anyway: wrtc never delivers it for a channel created and never
 * negotiated (a transport closed straight after it was made), which would hold that
 * connection forever. A negotiated channel's 'close' follows the connection's own closely
 * (node-peer-teardown.test.ts sees both before `quiet`), so the grace is a backstop.
 */
const CHANNEL_GRACE_MS = 2_000;

/** Connections not quiet yet, each with what resolves once it is (strong references). */
const held = new Map<RTCPeerConnection, Promise<void>>();

let loading: Promise<unknown> | null = null;

export function loadWrtc(logger: Logger): Promise<unknown> {
  loading ??= import('@roamhq/wrtc').then(
    (m) => holding(((m as { default?: unknown }).default ?? m) as WrtcModule, logger),
    (error: unknown) => {
      logger.warn('WebRTC for Node is not available here; every link goes through the relay', { error: String(error).slice(0, 200) });
      return null;
    },
  );
  return loading;
}

/**
 * Resolves once `pc` (made through `loadWrtc`'s module) is closed and wrtc has delivered
 * its last events: the connection's change to closed and every data channel's 'close', and
 * has let go of its own references (two turns of the event loop after those).
 * Resolves at once for a connection this module did not make.
 */
export function quiet(pc: RTCPeerConnection | null): Promise<void> {
  return (pc && held.get(pc)) ?? Promise.resolve();
}

/**
 * Waits until every connection of `pcs` is quiet, up to `timeoutMs`; false if some were
 * not by then (the caller says so and moves on rather than hang a shutdown).
 */
export async function allQuiet(pcs: Iterable<RTCPeerConnection | null>, timeoutMs = 5_000): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = await Promise.race([
    Promise.all([...pcs].map(quiet)).then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  return done;
}

/** The connections held now, open or closing (tests and diagnostics). */
export function heldConnections(): RTCPeerConnection[] {
  return [...held.keys()];
}

/** wrtc with an RTCPeerConnection that registers itself and its channels until quiet. */
function holding(wrtc: WrtcModule, logger: Logger): WrtcModule {
  class HeldPeerConnection extends wrtc.RTCPeerConnection {
    private readonly channelOpened: (channel: RTCDataChannel) => void;

    constructor(config?: RTCConfiguration) {
      super(config);
      this.channelOpened = hold(this, logger);
    }

    override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
      const channel = super.createDataChannel(label, init);
      this.channelOpened(channel);
      return channel;
    }
  }
  return { ...wrtc, RTCPeerConnection: HeldPeerConnection };
}

/** Holds `pc` until quiet; returns how to count in a channel it creates. */
function hold(pc: RTCPeerConnection, logger: Logger): (channel: RTCDataChannel) => void {
  // Every channel stays referenced until the connection is quiet, closed or not: the native
  // connection keeps a raw pointer to each and calls into all of them when it closes, so a
  // channel collected before that would be used after it was freed (the crash of
  // node-webrtc issue 576, in RTCDataChannel::CleanupInternals). A guard: with wrtc 0.10.0
  // no channel closed by the remote was collected while its connection lived, in a probe.
  const channels: RTCDataChannel[] = [];
  const open = new Set<RTCDataChannel>();
  let closed = false;
  let release!: () => void;
  let grace: ReturnType<typeof setTimeout> | undefined;
  const settle = (): void => {
    if (!closed || open.size > 0) return;
    clearTimeout(grace);
    // wrtc stops an object's event queue when it delivers its closing event and lets go of
    // its own native reference in libuv's close phase after that: two turns of the loop.
    setImmediate(() => setImmediate(release));
  };
  // The connection is closed but some channel has not said so: wait a bounded time, keeping
  // every reference meanwhile (native code may still call back), then let go anyway. Unref'd:
  // it must not keep a process alive that has nothing else to do.
  const startGrace = (): void => {
    if (open.size === 0) return;
    grace = setTimeout(() => {
      logger.info('WebRTC connection let go with data channels that never reported closed', { channels: open.size, graceMs: CHANNEL_GRACE_MS });
      open.clear();
      settle();
    }, CHANNEL_GRACE_MS);
    grace.unref();
  };
  held.set(
    pc,
    new Promise<void>((resolve) => {
      release = () => {
        held.delete(pc);
        resolve();
      };
    }),
  );
  const watch = (channel: RTCDataChannel): void => {
    if (channels.includes(channel)) return;
    channels.push(channel);
    // A channel already closed has delivered its 'close' or never will: nothing to wait for.
    if (channel.readyState === 'closed') return;
    open.add(channel);
    channel.addEventListener('close', () => {
      open.delete(channel);
      settle();
    });
  };
  pc.addEventListener('datachannel', (event: RTCDataChannelEvent) => watch(event.channel));
  // Either change may come first; the states read 'closed' only once close() has run.
  const changed = (): void => {
    if (closed || (pc.connectionState !== 'closed' && pc.signalingState !== 'closed')) return;
    closed = true;
    settle();
    startGrace();
  };
  pc.addEventListener('connectionstatechange', changed);
  pc.addEventListener('signalingstatechange', changed);
  return watch;
}
