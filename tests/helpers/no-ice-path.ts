/**
 * An init script for a browser context whose WebRTC can find no path: every
 * RTCPeerConnection gathers only relay candidates and there is no TURN server, as between two
 * homes behind symmetric NATs. Parley then links through the server's relay.
 */
export const NO_ICE_PATH = `(() => {
  const Native = globalThis.RTCPeerConnection;
  if (!Native) return;
  globalThis.RTCPeerConnection = class extends Native {
    constructor(config) { super({ ...(config || {}), iceServers: [], iceTransportPolicy: 'relay' }); }
  };
})();`;
