/**
 * TURN credentials from `/api/config` against a real coturn in `use-auth-secret` mode: a
 * Node WebRTC peer restricted to relayed candidates allocates on coturn with exactly what
 * the browser would get, and an expired credential is refused by coturn itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { allQuiet, loadWrtc } from '../../../src/node/wrtc.js';
import { createTurnIssuer } from '../../../signaling/turn/credentials.js';
import { startCoturn, type Coturn } from '../../helpers/coturn.js';
import { startTestServer, type TestServer } from '../../helpers/signaling-server.js';

const SECRET = 'coturn-shared-secret-for-tests-only';
// The wrtc src/node/wrtc.ts hands out: a connection closed here is waited for until quiet.
const wrtc = (await loadWrtc(silentLogger)) as { RTCPeerConnection: typeof RTCPeerConnection };

let coturn: Coturn;
let t: TestServer;

beforeAll(async () => {
  coturn = await startCoturn(SECRET);
  t = await startTestServer({ stunPort: null, turnUrls: [coturn.url], turnSecret: SECRET, turnTtlSeconds: 600 });
});

afterAll(async () => {
  await t?.close();
  await coturn?.stop();
});

interface Gathered {
  readonly candidates: string[];
  readonly errors: number[];
}

/** Gathers ICE candidates with relay-only policy until gathering completes. */
async function gatherRelay(iceServers: RTCIceServer[]): Promise<Gathered> {
  const pc = new wrtc.RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
  const candidates: string[] = [];
  const errors: number[] = [];
  try {
    pc.onicecandidate = (e: RTCPeerConnectionIceEvent) => {
      if (e.candidate) candidates.push(e.candidate.candidate);
    };
    pc.onicecandidateerror = (e: Event) => errors.push((e as RTCPeerConnectionIceErrorEvent).errorCode);
    const done = new Promise<void>((resolve) => {
      pc.onicegatheringstatechange = () => {
        if (pc.iceGatheringState === 'complete') resolve();
      };
    });
    pc.createDataChannel('probe');
    await pc.setLocalDescription(await pc.createOffer());
    await done;
    return { candidates, errors };
  } finally {
    pc.close();
    // Bounded, as tests/helpers/wrtc-pair.ts is: whatever wrtc does, the test reports its own
    // result or error rather than hang (docs/architecture.md §12, "Teardown").
    if (!(await allQuiet([pc]))) console.warn('wrtc connection still closing after 5 s');
  }
}

describe('TURN REST credentials against coturn', () => {
  it('a peer allocates a relay candidate on coturn with the credential /api/config issued', async () => {
    const { iceServers } = (await (await fetch(`${t.httpUrl}/api/config`)).json()) as { iceServers: RTCIceServer[] };
    expect(iceServers).toHaveLength(1);
    expect(iceServers[0]!.urls).toEqual([coturn.url]);
    const gathered = await gatherRelay(iceServers);
    expect(gathered.candidates.some((c) => / typ relay /.test(c)), coturn.log()).toBe(true);
  });

  it('coturn refuses an expired credential and a forged one: no relay candidate', async () => {
    const expired = createTurnIssuer({ urls: [coturn.url], secret: SECRET, ttlSeconds: 60 }, () => Date.now() - 3_600_000)();
    const forged = createTurnIssuer({ urls: [coturn.url], secret: 'not-the-coturn-secret-at-all', ttlSeconds: 600 })();
    for (const server of [expired, forged]) {
      const gathered = await gatherRelay([server as RTCIceServer]);
      expect(gathered.candidates.filter((c) => / typ relay /.test(c))).toEqual([]);
      // 401 Unauthorized, as coturn answers Allocate with a bad or expired credential.
      expect(gathered.errors).toContain(401);
    }
    // And the good one still works afterwards.
    const { iceServers } = (await (await fetch(`${t.httpUrl}/api/config`)).json()) as { iceServers: RTCIceServer[] };
    expect((await gatherRelay(iceServers)).candidates.some((c) => / typ relay /.test(c))).toBe(true);
  });
});
